#include "rnnchaos/fixedpoints.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/parse.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/timer.h"

void rc_fixedpoints_params_default(rc_fixedpoints_params *fp)
{
    fp->n_starts = 100;
    fp->start_scale = 1.0;
    fp->tol = 1e-10;
    fp->max_iter = 200;
    fp->step_max = 1.0;
    fp->dedup_tol = 1e-6;
    fp->antithetic = 1;
    fp->coord_bins = 40;
    fp->coord_max = 0.0;
    fp->poll = NULL;
    fp->poll_ctx = NULL;
}

rc_status rc_fixedpoints_params_validate(const rc_fixedpoints_params *fp, rc_error *err)
{
    RC_CHECK(fp->n_starts >= 1 && fp->n_starts <= 1000000, err, RC_ERR_INPUT,
             "--starts: expected 1..1000000, got %d", fp->n_starts);
    RC_CHECK(isfinite(fp->start_scale) && fp->start_scale > 0, err, RC_ERR_INPUT,
             "--start-scale: must be > 0, got %g", fp->start_scale);
    RC_CHECK(isfinite(fp->tol) && fp->tol > 0 && fp->tol < 1, err, RC_ERR_INPUT,
             "--tol: must be in (0, 1), got %g", fp->tol);
    RC_CHECK(fp->max_iter >= 1 && fp->max_iter <= 100000, err, RC_ERR_INPUT,
             "--max-iter: expected 1..100000, got %d", fp->max_iter);
    RC_CHECK(isfinite(fp->step_max) && fp->step_max >= 0, err, RC_ERR_INPUT,
             "--step-max: must be > 0 (or 0: damped Newton only), got %g", fp->step_max);
    RC_CHECK(isfinite(fp->dedup_tol) && fp->dedup_tol > 0, err, RC_ERR_INPUT,
             "--dedup-tol: must be > 0, got %g", fp->dedup_tol);
    RC_CHECK(fp->dedup_tol > fp->tol, err, RC_ERR_INPUT,
             "--dedup-tol: must exceed --tol (%g): converged copies of one point differ by ~tol, "
             "got %g", fp->tol, fp->dedup_tol);
    RC_CHECK(fp->coord_bins >= 1 && fp->coord_bins <= 100000, err, RC_ERR_INPUT,
             "--coord-bins: expected 1..100000, got %d", fp->coord_bins);
    RC_CHECK(isfinite(fp->coord_max) && fp->coord_max >= 0, err, RC_ERR_INPUT,
             "--coord-max: must be > 0 (or 0: auto), got %g", fp->coord_max);
    return RC_OK;
}

rc_status rc_fixedpoints_check_model(const rc_model_params *mp, rc_error *err)
{
    RC_CHECK(mp->sigma == 0.0, err, RC_ERR_INPUT,
             "--sigma: fixed points are those of the noise-free dynamics; set --sigma 0");
    RC_CHECK(mp->sigma_c == 0.0, err, RC_ERR_INPUT,
             "--sigma-c: fixed points are those of the dynamics without common input; set "
             "--sigma-c 0");
    RC_CHECK(mp->N <= 46340, err, RC_ERR_INPUT, "--N: %lld is too large for dense Newton",
             (long long)mp->N);
    return rc_model_params_validate(mp, err);
}

/* ---- options ------------------------------------------------------------------------------ */

#define FOPT(name, type, field, doc) {name, type, offsetof(rc_fixedpoints_params, field), 1, 1000000, NULL, doc}
static const rc_opt fp_opts[] = {
    FOPT("starts", RC_OPT_INT, n_starts, "random starts of the Newton search"),
    FOPT("start-scale", RC_OPT_DOUBLE, start_scale, "standard deviation of the starts"),
    FOPT("tol", RC_OPT_DOUBLE, tol, "residual |F(h)| accepted as a fixed point"),
    FOPT("max-iter", RC_OPT_INT, max_iter, "Newton iterations per start"),
    FOPT("step-max", RC_OPT_DOUBLE, step_max, "largest full Newton step"),
    FOPT("dedup-tol", RC_OPT_DOUBLE, dedup_tol, "distance below which two fixed points are one"),
    FOPT("antithetic", RC_OPT_BOOL, antithetic, "also start from -h for every start h"),
    FOPT("coord-bins", RC_OPT_INT, coord_bins, "bins of the coordinate histogram"),
    FOPT("coord-max", RC_OPT_DOUBLE, coord_max, "range of the coordinate histogram"),
};

const rc_opt *rc_fixedpoints_params_options(size_t *n)
{
    *n = RC_OPT_COUNT(fp_opts);
    return fp_opts;
}

int rc_fixedpoints_params_has_key(const char *key)
{
    return rc_opt_find(fp_opts, RC_OPT_COUNT(fp_opts), key) != NULL;
}

rc_status rc_fixedpoints_params_set(rc_fixedpoints_params *fp, const char *key, const char *value,
                                    rc_error *err)
{
    const rc_opt *o = rc_opt_find(fp_opts, RC_OPT_COUNT(fp_opts), key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown fixed-point option '%s'", key);
    return rc_opt_set(o, fp, value, err);
}

/* ---- F, DF ----------------------------------------------------------------------------------- */

double rc_fixedpoints_residual(const rc_network *net, const double *h, double *F, double *work)
{
    const int N = (int)net->N, one = 1;
    const double a = 1.0, zero = 0.0, drive = net->p.b * net->p.I0;
    rc_network_phi(net, h, work); /* phi_i(x) = phi(gain_i x) */
    /* row-major J is J^T column-major */
    dgemv_("T", &N, &N, &a, net->J, &N, work, &one, &zero, F, &one);
    double m = 0.0;
    for (int i = 0; i < N; ++i) {
        F[i] += drive - h[i];
        if (!(fabs(F[i]) <= m)) m = isnan(F[i]) ? INFINITY : fabs(F[i]);
    }
    return m;
}

void rc_fixedpoints_jacobian(const rc_network *net, const double *h, double *A)
{
    const int64_t N = net->N;
    double *d = A; /* phi' staged in the first column, consumed before it is overwritten */
    rc_network_dphi(net, h, d);
    /* A[i + j N] = J_ij d_j - delta_ij, filled from the last column so d (column 0) survives */
    for (int64_t j = N - 1; j >= 0; --j) {
        const double dj = d[j];
        double *col = A + j * N;
        for (int64_t i = 0; i < N; ++i) col[i] = net->J[i * N + j] * dj;
        col[j] -= 1.0;
    }
}

/* ---- Newton ---------------------------------------------------------------------------------- */

typedef struct {
    const rc_network *net;
    int64_t N;
    double *A, *G, *F, *Fn, *d, *hn, *work, *gvec;
    int *ipiv;
} newton_ws;

static double sumsq(const double *x, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += x[i] * x[i];
    return s;
}

/* Try h + a d: accept when f drops below shrink * f or the step lands within tol (near the
 * root f is at rounding level and may not drop). */
static int try_step(newton_ws *w, double *h, double a, double shrink, double *f, double *res,
                    const rc_fixedpoints_params *fp)
{
    const int64_t N = w->N;
    for (int64_t i = 0; i < N; ++i) w->hn[i] = h[i] + a * w->d[i];
    const double rn = rc_fixedpoints_residual(w->net, w->hn, w->Fn, w->work);
    const double fn = 0.5 * sumsq(w->Fn, N);
    if (!(fn <= shrink * *f || rn < fp->tol)) return 0;
    memcpy(h, w->hn, (size_t)N * sizeof(double));
    memcpy(w->F, w->Fn, (size_t)N * sizeof(double));
    *f = fn;
    *res = rn;
    return 1;
}

#define NEWTON_CANCELLED (-1)

/* Damped Newton from h (overwritten); where the line search fails (DF nearly singular: the
 * Newton step is huge and f grows along it) one Levenberg-Marquardt step
 * (DF^T DF + lambda I) d = -DF^T F replaces it, lambda adapted (x1/3 on success, x4 on
 * failure, from lambda = 1e-3 ||DF^T DF||_max), so the iteration can leave the near-singular
 * region and Newton resumes.  1: converged (*iters set), 0: failed, NEWTON_CANCELLED: fp->poll
 * asked to stop. */
static int newton(newton_ws *w, double *h, const rc_fixedpoints_params *fp, int *iters)
{
    const int64_t N = w->N;
    const int n = (int)N, one = 1;
    const double d_one = 1.0, d_zero = 0.0;
    double res = rc_fixedpoints_residual(w->net, h, w->F, w->work);
    double f = 0.5 * sumsq(w->F, N);
    double lambda = -1.0;
    for (int it = 0; it <= fp->max_iter; ++it) {
        if (res < fp->tol) {
            *iters = it;
            return 1;
        }
        if (it == fp->max_iter || !isfinite(f)) return 0;
        if (fp->poll && fp->poll(fp->poll_ctx)) return NEWTON_CANCELLED;
        rc_fixedpoints_jacobian(w->net, h, w->A);
        memcpy(w->G, w->A, (size_t)(N * N) * sizeof(double)); /* DF, kept for LM */
        for (int64_t i = 0; i < N; ++i) w->d[i] = -w->F[i];
        int info = 0, accepted = 0;
        dgesv_(&n, &one, w->A, &n, w->ipiv, w->d, &n, &info);
        if (info == 0) {
            double a = 1.0;
            for (int ls = 0; ls <= 12 && !accepted; ++ls, a *= 0.5)
                accepted = try_step(w, h, a, 1.0 - 2e-4 * a, &f, &res, fp); /* Armijo */
        }
        if (!accepted) {
            /* LM: A = DF^T DF, gvec = DF^T F */
            dgemm_("T", "N", &n, &n, &n, &d_one, w->G, &n, w->G, &n, &d_zero, w->A, &n);
            dgemv_("T", &n, &n, &d_one, w->G, &n, w->F, &one, &d_zero, w->gvec, &one);
            double amax = 0.0;
            for (int64_t i = 0; i < N; ++i) amax = fmax(amax, w->A[i + i * N]);
            if (lambda < 0) lambda = 1e-3 * amax;
            for (int tries = 0; tries < 40 && !accepted; ++tries) {
                memcpy(w->G, w->A, (size_t)(N * N) * sizeof(double));
                for (int64_t i = 0; i < N; ++i) {
                    w->G[i + i * N] += lambda;
                    w->d[i] = -w->gvec[i];
                }
                dgesv_(&n, &one, w->G, &n, w->ipiv, w->d, &n, &info);
                /* LM steps are short where lambda is large: any decrease counts */
                if (info == 0) accepted = try_step(w, h, 1.0, 1.0 - 1e-14, &f, &res, fp);
                lambda = accepted ? lambda / 3.0 : lambda * 4.0;
                if (!(lambda < 1e300)) break;
            }
            if (!accepted) return 0; /* a local minimum of |F| that is not a root */
        }
        for (int64_t i = 0; i < N; ++i)
            if (!(fabs(h[i]) < 1e8)) return 0;
    }
    return 0;
}

/* Full Newton steps, each capped to max_i |d_i| <= step_max, without any descent test on |F|:
 * the damped iteration above only ever decreases |F|^2 and so stops in its many local minima
 * that are not roots (slow points: DF singular there, |DF^T F| ~ 1e-10 while |F|^2 ~ 1e-3),
 * and for the piecewise-linear hardtanh its backtracking stalls at the kinks.  The capped
 * iteration is not attracted by those minima; the cap keeps it from jumping far away where
 * DF is nearly singular.  1: converged, 0: failed (max_iter, singular DF, |h| > 1e8),
 * NEWTON_CANCELLED. */
static int capped_newton(newton_ws *w, double *h, const rc_fixedpoints_params *fp, int *iters)
{
    const int64_t N = w->N;
    const int n = (int)N, one = 1;
    double res = rc_fixedpoints_residual(w->net, h, w->F, w->work);
    for (int it = 0; it <= fp->max_iter; ++it) {
        if (res < fp->tol) {
            *iters = it;
            return 1;
        }
        if (it == fp->max_iter || !isfinite(res)) return 0;
        if (fp->poll && fp->poll(fp->poll_ctx)) return NEWTON_CANCELLED;
        rc_fixedpoints_jacobian(w->net, h, w->A);
        for (int64_t i = 0; i < N; ++i) w->d[i] = -w->F[i];
        int info = 0;
        dgesv_(&n, &one, w->A, &n, w->ipiv, w->d, &n, &info);
        if (info != 0) return 0;
        double m = 0.0;
        for (int64_t i = 0; i < N; ++i) m = fmax(m, fabs(w->d[i]));
        if (!isfinite(m)) return 0;
        const double a = m > fp->step_max ? fp->step_max / m : 1.0;
        for (int64_t i = 0; i < N; ++i) {
            h[i] += a * w->d[i];
            if (!(fabs(h[i]) < 1e8)) return 0;
        }
        res = rc_fixedpoints_residual(w->net, h, w->F, w->work);
    }
    return 0;
}

static double max_abs_diff(const double *a, const double *b, int64_t n)
{
    double m = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double d = fabs(a[i] - b[i]);
        if (d > m) m = d;
    }
    return m;
}

static int is_odd_phi(rc_phi_kind phi) { return phi == RC_PHI_TANH || phi == RC_PHI_HARDTANH; }

static int cmp_points(const void *pa, const void *pb)
{
    const rc_fixedpoint *a = pa, *b = pb;
    if (a->q < b->q) return -1;
    if (a->q > b->q) return 1;
    return (a->first_start > b->first_start) - (a->first_start < b->first_start);
}

/* Append h as a new point (copied). */
static rc_status add_point(rc_fixedpoints_result *res, int *cap, int64_t N, const double *h,
                           int64_t start, int iters, rc_error *err)
{
    if (res->n_found == *cap) {
        const int nc = *cap ? 2 * *cap : 16;
        rc_fixedpoint *p = realloc(res->points, (size_t)nc * sizeof *p);
        RC_CHECK(p, err, RC_ERR_NOMEM, "out of memory for %d fixed points", nc);
        res->points = p;
        *cap = nc;
    }
    rc_fixedpoint *pt = &res->points[res->n_found];
    memset(pt, 0, sizeof *pt);
    pt->h = rc_calloc((size_t)N, sizeof(double), "fixed point", err);
    if (!pt->h) return RC_ERR_NOMEM;
    memcpy(pt->h, h, (size_t)N * sizeof(double));
    pt->first_start = start;
    pt->iterations = iters;
    pt->n_hits = start >= 0 ? 1 : 0;
    res->n_found++;
    return RC_OK;
}

/* Start k into h (see the header for the draw). */
static void draw_start(const rc_model_params *p, const rc_fixedpoints_params *fp, int64_t k,
                       double *h)
{
    const int64_t N = p->N;
    const int mirror = fp->antithetic && (k % 2 == 1);
    const uint64_t row = RC_FP_AUX_ROW0 + (uint64_t)(mirror ? k - 1 : k);
    const double s = fp->start_scale * (0.25 + 1.75 * rc_rng_uniform(p->seed_ic, RC_STREAM_AUX, row, 0));
    rc_rng_normals(p->seed_ic, RC_STREAM_AUX, row, 0, (size_t)N, h);
    for (int64_t i = 0; i < N; ++i) h[i] = mirror ? -(s * h[i]) : s * h[i];
}

static int is_origin(const double *h, int64_t N, double tol)
{
    for (int64_t i = 0; i < N; ++i)
        if (!(fabs(h[i]) <= tol)) return 0;
    return 1;
}

static rc_status coordinate_histogram(const rc_network *net, const rc_fixedpoints_params *fp,
                                      rc_fixedpoints_result *res, rc_error *err)
{
    const int64_t N = res->N;
    rc_histogram *hg = &res->coord;
    double X = fp->coord_max;
    if (!(X > 0)) {
        if (!net->external) {
            X = 4.0 * net->p.g;
        } else {
            double qmax = 0.0;
            for (int p = 0; p < res->n_found; ++p) qmax = fmax(qmax, res->points[p].q);
            X = qmax > 0 ? 4.0 * sqrt(qmax) : 1.0;
        }
        if (!(X > 0)) X = 1.0; /* g = 0 */
    }
    hg->lo = -X;
    hg->hi = X;
    hg->n_bins = fp->coord_bins;
    hg->density = rc_calloc((size_t)fp->coord_bins, sizeof(double), "coordinate histogram", err);
    if (!hg->density) return RC_ERR_NOMEM;
    const double width = (hg->hi - hg->lo) / hg->n_bins;
    int64_t total = 0;
    for (int p = 0; p < res->n_found; ++p) {
        const double *h = res->points[p].h;
        if (is_origin(h, N, fp->dedup_tol)) continue;
        for (int64_t i = 0; i < N; ++i) {
            const double x = h[i];
            if (x < hg->lo) {
                hg->below++;
                continue;
            }
            const int64_t b = (int64_t)floor((x - hg->lo) / width);
            if (b >= hg->n_bins) hg->above++;
            else hg->density[b] += 1.0;
        }
        total += N;
    }
    res->coord_count = total;
    if (total > 0)
        for (int b = 0; b < hg->n_bins; ++b) hg->density[b] /= (double)total * width;
    return RC_OK;
}

rc_status rc_fixedpoints_run(const rc_network *net, const rc_fixedpoints_params *fp,
                             rc_fixedpoints_result *res, rc_error *err)
{
    const double t0 = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    RC_TRY(rc_fixedpoints_params_validate(fp, err));
    RC_CHECK(net->p.sigma == 0.0, err, RC_ERR_INPUT,
             "--sigma: fixed points are those of the noise-free dynamics; set --sigma 0 (got %g)",
             net->p.sigma);
    RC_CHECK(net->p.sigma_c == 0.0, err, RC_ERR_INPUT,
             "--sigma-c: fixed points are those of the dynamics without the common input; set "
             "--sigma-c 0 (got %g)", net->p.sigma_c);
    const int64_t N = net->N;
    RC_CHECK(N <= 46340, err, RC_ERR_INPUT, "--N: %lld is too large for dense LAPACK (int index)",
             (long long)N);
    res->N = N;
    res->n_starts = fp->n_starts;
    rc_status st = RC_OK;
    int cap = 0;
    newton_ws w;
    memset(&w, 0, sizeof w);
    w.net = net;
    w.N = N;
    double *h = NULL, *wr = NULL, *wi = NULL;
    w.A = rc_aligned_alloc((size_t)(N * N), sizeof(double), "fixed-point Jacobian", err);
    w.G = rc_aligned_alloc((size_t)(N * N), sizeof(double), "Levenberg-Marquardt matrix", err);
    w.F = rc_calloc((size_t)(7 * N), sizeof(double), "Newton vectors", err);
    w.ipiv = rc_calloc((size_t)N, sizeof(int), "LU pivots", err);
    h = rc_calloc((size_t)(3 * N), sizeof(double), "Newton state", err);
    if (!w.A || !w.G || !w.F || !w.ipiv || !h) { /* rc_calloc has set the message */
        st = RC_ERR_NOMEM;
        goto cleanup;
    }
    w.Fn = w.F + N;
    w.d = w.F + 2 * N;
    w.hn = w.F + 3 * N;
    w.work = w.F + 4 * N;
    w.gvec = w.F + 5 * N;
    wr = h + N;
    wi = h + 2 * N;

    /* The origin: a fixed point by symmetry whenever phi(0) = 0 and there is no drive. */
    if (net->p.b * net->p.I0 == 0.0) {
        memset(h, 0, (size_t)N * sizeof(double));
        RC_GOTO(add_point(res, &cap, N, h, -1, 0, err));
        res->origin_added = 1;
    }
    for (int64_t k = 0; k < fp->n_starts; ++k) {
        RC_CHECK_GOTO(!(fp->poll && fp->poll(fp->poll_ctx)), err, RC_ERR_SIGNAL,
                      "cancelled by a stop request");
        int iters = 0, conv = 0;
        if (fp->step_max > 0) {
            draw_start(&net->p, fp, k, h);
            conv = capped_newton(&w, h, fp, &iters);
        }
        if (conv == 0) { /* damped Newton from the same start: finds some the capped one misses */
            draw_start(&net->p, fp, k, h);
            conv = newton(&w, h, fp, &iters);
            if (conv == 1 && fp->step_max > 0) {
                res->n_damped++;
                iters += fp->max_iter;
            }
        }
        RC_CHECK_GOTO(conv != NEWTON_CANCELLED, err, RC_ERR_SIGNAL, "cancelled by a stop request");
        if (!conv) continue;
        res->n_converged++;
        int found = -1;
        for (int p = 0; p < res->n_found && found < 0; ++p)
            if (max_abs_diff(h, res->points[p].h, N) <= fp->dedup_tol) found = p;
        if (found >= 0) {
            rc_fixedpoint *pt = &res->points[found];
            if (pt->first_start < 0) { /* the origin, now also reached from a random start */
                pt->first_start = k;
                pt->iterations = iters;
            }
            pt->n_hits++;
        } else {
            RC_GOTO(add_point(res, &cap, N, h, k, iters, err));
        }
    }
    res->n_failed = res->n_starts - res->n_converged;

    /* Per point: q, <phi^2>, residual, and the spectrum of DF(h*). */
    for (int p = 0; p < res->n_found; ++p) {
        RC_CHECK_GOTO(!(fp->poll && fp->poll(fp->poll_ctx)), err, RC_ERR_SIGNAL,
                      "cancelled by a stop request");
        rc_fixedpoint *pt = &res->points[p];
        pt->residual = rc_fixedpoints_residual(net, pt->h, w.F, w.work);
        double q = 0.0, p2 = 0.0;
        for (int64_t i = 0; i < N; ++i) {
            q += pt->h[i] * pt->h[i];
            p2 += w.work[i] * w.work[i]; /* work holds phi(h*) after the residual */
        }
        pt->q = q / (double)N;
        pt->phi2 = p2 / (double)N;
        rc_fixedpoints_jacobian(net, pt->h, w.A);
        /* stability: the Jacobian of the flow, diag(tau/tau_i) DF (units of 1/tau); the time
         * constants do not move the points but can change the sign of Re mu */
        if (net->het)
            for (int64_t j = 0; j < N; ++j)
                for (int64_t i = 0; i < N; ++i) w.A[i + j * N] *= net->p.tau / net->tau_i[i];
        const int n = (int)N, ione = 1;
        int info = 0, lwork = -1;
        double wq = 0.0, dummy = 0.0;
        dgeev_("N", "N", &n, w.A, &n, wr, wi, &dummy, &ione, &dummy, &ione, &wq, &lwork, &info);
        lwork = (int)wq;
        double *wk = rc_calloc((size_t)(lwork > 1 ? lwork : 1), sizeof(double), "dgeev work", err);
        if (!wk) {
            st = RC_ERR_NOMEM;
            goto cleanup;
        }
        dgeev_("N", "N", &n, w.A, &n, wr, wi, &dummy, &ione, &dummy, &ione, wk, &lwork, &info);
        free(wk);
        RC_CHECK_GOTO(info == 0, err, RC_ERR_LAPACK,
                      "dgeev failed (info = %d) on the Jacobian of fixed point %d", info, p);
        pt->spectral_edge = -INFINITY;
        pt->n_unstable = 0;
        for (int64_t i = 0; i < N; ++i) {
            if (wr[i] > pt->spectral_edge) pt->spectral_edge = wr[i];
            if (wr[i] > 0) pt->n_unstable++;
        }
    }
    qsort(res->points, (size_t)res->n_found, sizeof *res->points, cmp_points);

    /* Mirror pairs, checked (not assumed): -h* is in the list within dedup_tol. */
    if (is_odd_phi(net->p.phi)) {
        for (int p = 0; p < res->n_found; ++p) {
            const double *a = res->points[p].h;
            for (int r = 0; r < res->n_found; ++r) {
                const double *b = res->points[r].h;
                double m = 0.0;
                for (int64_t i = 0; i < N; ++i) m = fmax(m, fabs(a[i] + b[i]));
                if (m <= fp->dedup_tol) {
                    res->n_mirror++;
                    break;
                }
            }
        }
    }
    RC_GOTO(coordinate_histogram(net, fp, res, err));
    res->wall_s = rc_wall_seconds() - t0;

cleanup:
    free(w.A);
    free(w.G);
    free(w.F);
    free(w.ipiv);
    free(h);
    if (st != RC_OK) rc_fixedpoints_result_free(res);
    return st;
}

void rc_fixedpoints_result_free(rc_fixedpoints_result *res)
{
    if (!res) return;
    for (int p = 0; p < res->n_found; ++p) free(res->points[p].h);
    free(res->points);
    res->points = NULL;
    res->n_found = 0;
    free(res->coord.density);
    res->coord.density = NULL;
}
