/* The gradient link (gradients.h): singular values of the long-term Jacobian from the
 * accumulated R factors of the reorthonormalisation.
 *
 * Numerics.  P_K = R_K ... R_1 spans exp((lambda_1 - lambda_m) t) and leaves the double range
 * after a few hundred time units (its rows grow like exp(lambda_i t)); it is therefore kept as
 *     P = diag(exp(s)) U,   U upper triangular with unit rows,   s_i in logs.
 * This is the natural form: row i of P_t is the component of T_t Q_0 along the i-th Lyapunov
 * vector at time t, of size exp(lambda_i t) times O(1) coefficients, so U stays O(1) and its
 * conditioning settles to that of the (covariant) frame rather than growing with t.
 *
 * Update, one interval: P <- R P = diag(exp(S)) Rhat U with Rhat_ij = R_ij exp(s_j - S_i) and
 * S_i = max_j (s_j + log|R_ij|), so every coefficient of Rhat is at most 1 in magnitude (no
 * overflow whatever the order of the s_j) and tiny couplings underflow harmlessly; then
 * U <- Rhat U (DTRMM) and each row is renormalised into s.  Rounding makes a relative error
 * eps per row and interval, a perturbation diag(1 + delta) of P whose effect on each singular
 * value is at most max|delta| relative (multiplicative perturbation), and the rounding of the
 * stored logs s_i (eps |s_i|) is of the same diagonal kind: nothing is amplified by the
 * spread of the singular values.
 *
 * Singular values: one-sided (Hestenes) Jacobi on the columns of P^T = U^T diag(exp(s)), the
 * method of LAPACK's dgesvj/dgejsv, known to give every singular value of a column-scaled
 * matrix B diag(d) to a relative accuracy of order m eps cond(B) independently of d (the
 * rotations only ever compare columns through their cosine and norm ratio).  dgesvj itself
 * cannot be used: exp(s) does not fit in a double.  Here each column is held as (log scale,
 * unit vector) and the rotation of a pair is written in the ratio rho = exp(x_small - x_big)
 * <= 1 (derivation at jacobi_pair), so no quantity ever leaves the double range and the
 * rotations are those of dgesvj up to rounding.  B here is U^T with unit columns: cond_U
 * (DTRCON) is reported per horizon as the accuracy indicator.  A QR-based shortcut (sigma_i ~
 * |P_ii| for a graded triangle) would only be exact in the limit of large spectral gaps, not
 * at the short horizons where exponents are close.
 *
 * Cost per interval: one m x m DTRMM (m^3 / 3 flops) and 2 m^2 exp/log; per horizon: a few
 * Jacobi sweeps of 3 m^3 flops (graded matrices converge in 2-4 sweeps). */
#include "rnnchaos/gradients.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rnnchaos/lyap_driver.h"
#include "rnnchaos/stats.h"

void rc_gradients_params_default(rc_gradients_params *gp)
{
    memset(gp, 0, sizeof *gp);
    gp->n_horizons = 16;
    gp->grad_lo = 1e-6;
    gp->grad_hi = 1e6;
}

/* t as a whole number of intervals t_ons, or -1. */
static int64_t whole_intervals(double t, double t_ons)
{
    const double k = t / t_ons;
    if (!isfinite(k) || k < 0.5 || fabs(k - round(k)) > 1e-9 * fmax(1.0, k)) return -1;
    return (int64_t)llround(k);
}

rc_status rc_gradients_params_check(const rc_gradients_params *gp, const rc_lyap_params *lp,
                                    rc_error *err)
{
    RC_CHECK(gp->n_horizons >= 1 && gp->n_horizons <= RC_GRADIENTS_MAX_HORIZONS, err,
             RC_ERR_INPUT, "--horizons: between 1 and %d horizons, got %d",
             RC_GRADIENTS_MAX_HORIZONS, gp->n_horizons);
    RC_CHECK(isfinite(gp->grad_lo) && gp->grad_lo > 0 && gp->grad_lo <= 1, err, RC_ERR_INPUT,
             "--grad-lo: must be in (0, 1], got %g", gp->grad_lo);
    RC_CHECK(isfinite(gp->grad_hi) && gp->grad_hi >= 1, err, RC_ERR_INPUT,
             "--grad-hi: must be finite and >= 1, got %g", gp->grad_hi);
    if (!gp->explicit_horizons) return RC_OK;
    const int64_t n_int = rc_lyap_n_intervals(lp->t_sim, lp->t_ons);
    int64_t prev = 0;
    for (int j = 0; j < gp->n_horizons; ++j) {
        const double t = gp->horizon[j];
        const int64_t k = whole_intervals(t, lp->t_ons);
        RC_CHECK(k > 0, err, RC_ERR_INPUT,
                 "--horizons: %g is not a positive whole number of intervals --t-ons (= %g)", t,
                 lp->t_ons);
        RC_CHECK(k <= n_int, err, RC_ERR_INPUT, "--horizons: %g is beyond --t-sim (= %g)", t,
                 lp->t_sim);
        RC_CHECK(k > prev, err, RC_ERR_INPUT, "--horizons: must increase strictly (%g after %g)",
                 t, gp->horizon[j - 1]);
        prev = k;
    }
    return RC_OK;
}

int rc_gradients_horizons(const rc_gradients_params *gp, int64_t n_int, double t_ons,
                          int64_t *K)
{
    if (gp->explicit_horizons) {
        for (int j = 0; j < gp->n_horizons; ++j) K[j] = whole_intervals(gp->horizon[j], t_ons);
        return gp->n_horizons;
    }
    const int n = gp->n_horizons < n_int ? gp->n_horizons : (int)n_int;
    int64_t prev = 0;
    for (int j = 0; j < n; ++j) {
        const double frac = n == 1 ? 1.0 : (double)j / (double)(n - 1);
        int64_t k = (int64_t)llround(exp(frac * log((double)n_int)));
        if (k <= prev) k = prev + 1;
        K[j] = k;
        prev = k;
    }
    /* the bumps above may overshoot by a few at the top: pin the last at n_int */
    for (int j = n - 1; j >= 0 && K[j] > n_int - (n - 1 - j); --j) K[j] = n_int - (n - 1 - j);
    return n;
}

static double dot(const double *a, const double *b, int64_t m)
{
    double s = 0.0;
    for (int64_t l = 0; l < m; ++l) s += a[l] * b[l];
    return s;
}

/* Normalises a to unit norm; returns log of the norm (-inf for a zero vector). */
static double normalise(double *a, int64_t m)
{
    const int n = (int)m, one = 1;
    const double nrm = dnrm2_(&n, a, &one);
    if (!(nrm > 0) || !isfinite(nrm)) return nrm > 0 ? NAN : -INFINITY;
    const double inv = 1.0 / nrm;
    for (int64_t l = 0; l < m; ++l) a[l] *= inv;
    return log(nrm);
}

/* One Jacobi rotation of the columns b = exp(X) u (the larger, *xu = X) and
 * w = exp(X) rho v (rho = exp(*xv - X) <= 1), u and v unit, g = u^T v.  The rotation
 * b' = c b + s w, w' = -s b + c w with t = s/c makes b' orthogonal to w' when
 *     g rho t^2 + (1 - rho^2) t - g rho = 0;
 * its root of smallest magnitude (|angle| <= pi/4, that of dgesvj) is t = rho tau with
 *     tau = 2 g / ((1 - rho^2) + sqrt((1 - rho^2)^2 + 4 g^2 rho^2)),
 * and then b' = exp(X) c (u + tau rho^2 v), w' = exp(X) rho c (v - tau u): every factor is at
 * most O(1), whatever rho.  1 - rho^2 is -expm1(-2 delta), exact for nearly equal scales. */
static void jacobi_pair(double *u, double *xu, double *v, double *xv, double g, int64_t m)
{
    const double delta = *xu - *xv;
    const double rho = exp(-delta), r2 = rho * rho;
    const double omr2 = -expm1(-2.0 * delta);
    const double tau = 2.0 * g / (omr2 + sqrt(omr2 * omr2 + 4.0 * g * g * r2));
    const double t = rho * tau;
    const double logc = -0.5 * log1p(t * t);
    const double a = tau * r2;
    for (int64_t l = 0; l < m; ++l) {
        const double ul = u[l], vl = v[l];
        u[l] = ul + a * vl;
        v[l] = vl - tau * ul;
    }
    *xu += logc + normalise(u, m);
    *xv += logc + normalise(v, m);
}

rc_status rc_scaled_svd_log(const double *U, const double *s, int64_t m, double *work,
                            double *log_sigma, int *sweeps, rc_error *err)
{
    /* columns of P^T: column i = exp(s_i) (row i of U), held as (log scale, unit vector) */
    double *A = work, *x = log_sigma;
    for (int64_t i = 0; i < m; ++i) {
        double *a = A + i * m;
        for (int64_t l = 0; l < m; ++l) a[l] = U[i + l * m];
        x[i] = s[i] + normalise(a, m);
        RC_CHECK(isfinite(x[i]), err, RC_ERR_NUMERIC,
                 "gradients: row %lld of the accumulated triangle is zero or not finite",
                 (long long)i);
    }
    /* converged when every pair's cosine is below sqrt(m) eps (dgesvj's test) */
    const double tol = sqrt((double)m) * DBL_EPSILON;
    for (int sweep = 1; sweep <= 60; ++sweep) {
        int rotated = 0;
        for (int64_t p = 0; p < m; ++p)
            for (int64_t q = p + 1; q < m; ++q) {
                double *ap = A + p * m, *aq = A + q * m;
                const double g = dot(ap, aq, m);
                if (fabs(g) <= tol) continue;
                rotated = 1;
                if (x[p] >= x[q])
                    jacobi_pair(ap, &x[p], aq, &x[q], g, m);
                else
                    jacobi_pair(aq, &x[q], ap, &x[p], g, m);
                RC_CHECK(isfinite(x[p]) && isfinite(x[q]), err, RC_ERR_NUMERIC,
                         "gradients: a singular value of the accumulated triangle vanished "
                         "(columns %lld and %lld became parallel)", (long long)p, (long long)q);
            }
        if (!rotated) {
            *sweeps = sweep;
            qsort(x, (size_t)m, sizeof(double), rc_cmp_double_desc);
            return RC_OK;
        }
    }
    return rc_fail(err, RC_ERR_NUMERIC, "gradients: the Jacobi SVD did not converge in 60 sweeps");
}

/* What the QR-factor consumer carries from one interval to the next. */
typedef struct {
    int64_t m;
    double *U, *s, *Rhat, *S, *work, *tr_work;
    int *tr_iwork;
    int64_t K[RC_GRADIENTS_MAX_HORIZONS];
    int n_planned, next;
    rc_gradients_result *res;
    int (*chain)(void *, int, int64_t, const double *, const double *, int64_t, int64_t);
    void *chain_ctx;
    rc_status st; /* a failure of this consumer (the driver only sees "stop") */
    rc_error err;
} grad_acc;

/* P <- R P in the scaled form (see the top of the file). */
static rc_status accumulate(grad_acc *g, const double *R)
{
    const int64_t m = g->m;
    for (int64_t i = 0; i < m; ++i) {
        double Si = -INFINITY;
        for (int64_t j = i; j < m; ++j) {
            const double r = R[i + j * m];
            if (r != 0.0) Si = fmax(Si, g->s[j] + log(fabs(r)));
        }
        g->S[i] = Si;
        for (int64_t j = i; j < m; ++j) g->Rhat[i + j * m] = R[i + j * m] * exp(g->s[j] - Si);
    }
    const int n = (int)m;
    const double one = 1.0;
    dtrmm_("L", "U", "N", "N", &n, &n, &one, g->Rhat, &n, g->U, &n);
    for (int64_t i = 0; i < m; ++i) {
        double nrm2 = 0.0;
        for (int64_t l = i; l < m; ++l) nrm2 += g->U[i + l * m] * g->U[i + l * m];
        const double nrm = sqrt(nrm2);
        RC_CHECK(nrm > 0 && isfinite(nrm) && isfinite(g->S[i]), &g->err, RC_ERR_NUMERIC,
                 "gradients: row %lld of the accumulated triangle became zero or non-finite",
                 (long long)i);
        for (int64_t l = i; l < m; ++l) g->U[i + l * m] /= nrm;
        g->s[i] = g->S[i] + log(nrm);
    }
    return RC_OK;
}

/* The singular values of the current product into horizon slot j. */
static rc_status evaluate(grad_acc *g, int j)
{
    rc_gradients_result *r = g->res;
    const int64_t m = g->m;
    double *ls = r->log_sigma + (int64_t)j * m;
    RC_TRY(rc_scaled_svd_log(g->U, g->s, m, g->work, ls, &r->sweeps[j], &g->err));
    const double t = r->t[j];
    const double lo = log(r->grad_lo), hi = log(r->grad_hi);
    int64_t within = 0;
    for (int64_t i = 0; i < m; ++i) {
        r->rate[(int64_t)j * m + i] = ls[i] / t;
        within += ls[i] >= lo && ls[i] <= hi;
    }
    r->log_kappa[j] = ls[0] - ls[m - 1];
    r->trainable[j] = (double)within / (double)m;
    const int n = (int)m;
    int info = 0;
    double rcond = 0.0;
    dtrcon_("1", "U", "N", &n, g->U, &n, &rcond, g->tr_work, g->tr_iwork, &info);
    r->cond_U[j] = info == 0 && rcond > 0 ? 1.0 / rcond : INFINITY;
    return RC_OK;
}

static int grad_on_qr(void *ctx, int phase, int64_t k, const double *R, const double *Q,
                      int64_t N, int64_t m)
{
    grad_acc *g = ctx;
    if (phase == 2 && g->next < g->n_planned) {
        if (m != g->m) {
            g->st = rc_fail(&g->err, RC_ERR_INTERNAL, "gradients: %lld vectors, expected %lld",
                            (long long)m, (long long)g->m);
            return 1;
        }
        g->st = accumulate(g, R);
        if (g->st == RC_OK && k + 1 == g->K[g->next]) {
            g->st = evaluate(g, g->next);
            if (g->st == RC_OK) g->next++;
        }
        if (g->st != RC_OK) return 1;
    }
    return g->chain ? g->chain(g->chain_ctx, phase, k, R, Q, N, m) : 0;
}

void rc_gradients_result_free(rc_gradients_result *res)
{
    if (!res) return;
    free(res->steps);
    free(res->t);
    free(res->log_sigma);
    free(res->rate);
    free(res->log_kappa);
    free(res->log_kappa_est);
    free(res->trainable);
    free(res->trainable_est);
    free(res->cond_U);
    free(res->sweeps);
    rc_lyap_result_free(&res->lyap);
    memset(res, 0, sizeof *res);
}

static rc_status result_alloc(rc_gradients_result *r, int n, int64_t m, rc_error *err)
{
    const size_t nh = (size_t)n, nm = (size_t)n * (size_t)m;
    r->steps = rc_calloc(nh, sizeof(int64_t), "horizon steps", err);
    r->t = rc_calloc(nh, sizeof(double), "horizon times", err);
    r->log_sigma = rc_calloc(nm, sizeof(double), "log singular values", err);
    r->rate = rc_calloc(nm, sizeof(double), "finite-time exponents", err);
    r->log_kappa = rc_calloc(nh, sizeof(double), "log condition numbers", err);
    r->log_kappa_est = rc_calloc(nh, sizeof(double), "log condition estimates", err);
    r->trainable = rc_calloc(nh, sizeof(double), "trainable fractions", err);
    r->trainable_est = rc_calloc(nh, sizeof(double), "trainable estimates", err);
    r->cond_U = rc_calloc(nh, sizeof(double), "condition of U", err);
    r->sweeps = rc_calloc(nh, sizeof(int), "Jacobi sweeps", err);
    if (!(r->steps && r->t && r->log_sigma && r->rate && r->log_kappa && r->log_kappa_est &&
          r->trainable && r->trainable_est && r->cond_U && r->sweeps))
        return RC_ERR_NOMEM;
    return RC_OK;
}

static void acc_free(grad_acc *g)
{
    free(g->U);
    free(g->s);
    free(g->Rhat);
    free(g->S);
    free(g->work);
    free(g->tr_work);
    free(g->tr_iwork);
}

/* The Lyapunov estimates, from the run's exponents, for the horizons reached. */
static void lyapunov_estimates(rc_gradients_result *r)
{
    const rc_lyap_result *ly = &r->lyap;
    double lmax = -INFINITY, lmin = INFINITY;
    for (int64_t i = 0; i < ly->m; ++i) {
        lmax = fmax(lmax, ly->lambda[i]);
        lmin = fmin(lmin, ly->lambda[i]);
    }
    const double lo = log(r->grad_lo), hi = log(r->grad_hi);
    for (int j = 0; j < r->n_horizons; ++j) {
        const double t = r->t[j];
        r->log_kappa_est[j] = (lmax - lmin) * t;
        int64_t within = 0;
        for (int64_t i = 0; i < ly->m; ++i) within += ly->lambda[i] * t >= lo && ly->lambda[i] * t <= hi;
        r->trainable_est[j] = (double)within / (double)ly->m;
    }
}

rc_status rc_gradients_run(const rc_lyap_model *model, const rc_lyap_params *lp,
                           const rc_gradients_params *gp, rc_gradients_result *res,
                           rc_error *err)
{
    memset(res, 0, sizeof *res);
    RC_CHECK(lp->n_le != RC_NLE_AUTO, err, RC_ERR_INPUT,
             "--n-le: auto is not available for gradients (give a number of exponents, or all)");
    RC_CHECK(!lp->checkpoint && !lp->resume, err, RC_ERR_INPUT,
             "gradients: checkpoints are not available (the accumulated product is not part of "
             "the stored state)");
    RC_TRY(rc_lyap_params_check(lp, model->N, model->dt, model->dt, err));
    RC_TRY(rc_gradients_params_check(gp, lp, err));
    const int64_t m = lp->n_le > 0 ? lp->n_le : model->N;
    const int64_t spi = (int64_t)llround(lp->t_ons / model->dt);
    const int64_t n_int = rc_lyap_n_intervals(lp->t_sim, lp->t_ons);

    rc_status st = RC_OK;
    grad_acc g;
    memset(&g, 0, sizeof g);
    g.m = m;
    g.res = res;
    g.n_planned = rc_gradients_horizons(gp, n_int, lp->t_ons, g.K);
    res->N = model->N;
    res->m = m;
    res->grad_lo = gp->grad_lo;
    res->grad_hi = gp->grad_hi;
    RC_GOTO(result_alloc(res, g.n_planned, m, err));
    for (int j = 0; j < g.n_planned; ++j) {
        res->steps[j] = g.K[j] * spi;
        res->t[j] = (double)g.K[j] * lp->t_ons;
    }
    const size_t mm = (size_t)(m * m);
    g.U = rc_calloc(mm, sizeof(double), "accumulated triangle", err);
    g.Rhat = rc_calloc(mm, sizeof(double), "scaled R", err);
    g.work = rc_calloc(mm, sizeof(double), "Jacobi columns", err);
    g.s = rc_calloc((size_t)m, sizeof(double), "row scales", err);
    g.S = rc_calloc((size_t)m, sizeof(double), "row scales", err);
    g.tr_work = rc_calloc((size_t)(3 * m), sizeof(double), "condition estimate", err);
    g.tr_iwork = rc_calloc((size_t)m, sizeof(int), "condition estimate", err);
    RC_ALLOC_GOTO(g.U && g.Rhat && g.work && g.s && g.S && g.tr_work && g.tr_iwork);
    for (int64_t i = 0; i < m; ++i) g.U[i + i * m] = 1.0; /* P_0 = I */

    rc_lyap_params run = *lp;
    g.chain = lp->on_qr;
    g.chain_ctx = lp->on_qr_ctx;
    run.on_qr = grad_on_qr;
    run.on_qr_ctx = &g;
    st = rc_lyap_run_model(model, &run, &res->lyap, err);
    if (st != RC_OK && g.st != RC_OK) { /* the consumer's own failure, not a stop request */
        *err = g.err;
        st = g.st;
    }
    if (st != RC_OK) goto cleanup;
    res->n_horizons = g.next;
    lyapunov_estimates(res);

cleanup:
    acc_free(&g);
    if (st != RC_OK) rc_gradients_result_free(res);
    return st;
}
