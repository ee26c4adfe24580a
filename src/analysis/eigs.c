#include "rnnchaos/eigs.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/parse.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/steps.h"
#include "rnnchaos/timer.h"

const char *rc_eigs_of_name(rc_eigs_of of) { return of == RC_EIGS_OF_J ? "J" : "jacobian"; }

const char *rc_eigs_at_name(rc_eigs_at at)
{
    switch (at) {
    case RC_EIGS_AT_ZERO: return "zero";
    case RC_EIGS_AT_H0: return "h0";
    case RC_EIGS_AT_FIXEDPOINTS: return "fixedpoints";
    case RC_EIGS_AT_TRAJECTORY: return "trajectory";
    }
    return "?";
}

void rc_eigs_params_default(rc_eigs_params *ep)
{
    memset(ep, 0, sizeof *ep);
    ep->of = RC_EIGS_OF_J;
    ep->at = RC_EIGS_AT_ZERO;
    ep->h0 = NULL;
    ep->n_samples = 10;
    ep->t_sample = 10.0;
    ep->t_transient = 100.0;
    rc_fixedpoints_params_default(&ep->fp);
    ep->bulk_quantile = 0.9;
    ep->outlier_margin = -1.0;
    ep->n_bins = 40;
    ep->hist_range = 1.5;
    ep->poll = NULL;
    ep->poll_ctx = NULL;
}

rc_status rc_eigs_params_validate(const rc_eigs_params *ep, rc_error *err)
{
    RC_CHECK(ep->of == RC_EIGS_OF_J || ep->of == RC_EIGS_OF_JACOBIAN, err, RC_ERR_INPUT,
             "--of: expected J or jacobian");
    RC_CHECK(ep->at >= RC_EIGS_AT_ZERO && ep->at <= RC_EIGS_AT_TRAJECTORY, err, RC_ERR_INPUT,
             "--at: expected zero, h0, fixedpoints or trajectory");
    RC_CHECK(ep->of == RC_EIGS_OF_JACOBIAN || ep->at == RC_EIGS_AT_ZERO, err, RC_ERR_INPUT,
             "--at: %s applies to --of jacobian only (J does not depend on the state)",
             rc_eigs_at_name(ep->at));
    RC_CHECK(ep->at != RC_EIGS_AT_H0 || ep->h0, err, RC_ERR_INPUT,
             "--h0: --at h0 needs a state (--h0 FILE.h5:/DATASET)");
    RC_CHECK(ep->n_samples >= 1 && ep->n_samples <= 100000, err, RC_ERR_INPUT,
             "--samples: expected 1..100000, got %d", ep->n_samples);
    RC_CHECK(isfinite(ep->t_sample) && ep->t_sample > 0, err, RC_ERR_INPUT,
             "--t-sample: must be > 0, got %g", ep->t_sample);
    RC_CHECK(isfinite(ep->t_transient) && ep->t_transient >= 0, err, RC_ERR_INPUT,
             "--t-transient: must be >= 0, got %g", ep->t_transient);
    RC_CHECK(ep->bulk_quantile > 0 && ep->bulk_quantile < 1, err, RC_ERR_INPUT,
             "--bulk-quantile: must be in (0, 1), got %g", ep->bulk_quantile);
    RC_CHECK(isfinite(ep->outlier_margin), err, RC_ERR_INPUT,
             "--outlier-margin: expected a number >= 0 or auto");
    RC_CHECK(ep->n_bins >= 1 && ep->n_bins <= 100000, err, RC_ERR_INPUT,
             "--bins: expected 1..100000, got %d", ep->n_bins);
    RC_CHECK(isfinite(ep->hist_range) && ep->hist_range > 0, err, RC_ERR_INPUT,
             "--hist-range: must be > 0, got %g", ep->hist_range);
    if (ep->at == RC_EIGS_AT_FIXEDPOINTS) RC_TRY(rc_fixedpoints_params_validate(&ep->fp, err));
    return RC_OK;
}

/* ---- options ------------------------------------------------------------------------------ */

static rc_status parse_of(void *params, const char *what, const char *value, rc_error *err)
{
    rc_eigs_params *ep = params;
    if (strcmp(value, "J") == 0 || strcmp(value, "j") == 0) ep->of = RC_EIGS_OF_J;
    else if (strcmp(value, "jacobian") == 0) ep->of = RC_EIGS_OF_JACOBIAN;
    else return rc_fail(err, RC_ERR_INPUT, "--of: expected J or jacobian, got '%s'", value);
    return RC_OK;
}

static rc_status parse_at(void *params, const char *what, const char *value, rc_error *err)
{
    rc_eigs_params *ep = params;
    for (int a = RC_EIGS_AT_ZERO; a <= RC_EIGS_AT_TRAJECTORY; ++a)
        if (strcmp(value, rc_eigs_at_name((rc_eigs_at)a)) == 0) {
            ep->at = (rc_eigs_at)a;
            return RC_OK;
        }
    return rc_fail(err, RC_ERR_INPUT,
                   "--at: expected zero, h0, fixedpoints or trajectory, got '%s'", value);
}

static rc_status parse_margin(void *params, const char *what, const char *value, rc_error *err)
{
    rc_eigs_params *ep = params;
    if (strcmp(value, "auto") == 0) {
        ep->outlier_margin = -1.0;
        return RC_OK;
    }
    RC_TRY(rc_parse_double(value, what, &ep->outlier_margin, err));
    RC_CHECK(ep->outlier_margin >= 0, err, RC_ERR_INPUT,
             "--outlier-margin: expected a number >= 0 or auto, got '%s'", value);
    return RC_OK;
}

#define EOPT(name, type, field, parse, doc)                                                     \
    {name, type, offsetof(rc_eigs_params, field), 1, 100000, parse, doc}
static const rc_opt eigs_opts[] = {
    EOPT("of", RC_OPT_CUSTOM, of, parse_of, "J or jacobian [J; jacobian with --at or --h0]"),
    EOPT("at", RC_OPT_CUSTOM, at, parse_at, "where the Jacobian is taken: zero, h0, fixedpoints, trajectory [zero; h0 with --h0]"),
    EOPT("samples", RC_OPT_INT, n_samples, NULL, "trajectory samples (--at trajectory)"),
    EOPT("t-sample", RC_OPT_DOUBLE, t_sample, NULL, "time between trajectory samples (tau)"),
    EOPT("t-transient", RC_OPT_DOUBLE, t_transient, NULL, "relaxation before the first sample (tau)"),
    EOPT("bulk-quantile", RC_OPT_DOUBLE, bulk_quantile, NULL, "quantile of |mu| taken as the bulk radius"),
    EOPT("outlier-margin", RC_OPT_CUSTOM, outlier_margin, parse_margin, "distance beyond the bulk that makes an outlier, or auto [auto]"),
    EOPT("bins", RC_OPT_INT, n_bins, NULL, "histogram bins"),
    EOPT("hist-range", RC_OPT_DOUBLE, hist_range, NULL, "histogram range"),
};

const rc_opt *rc_eigs_params_options(size_t *n)
{
    *n = RC_OPT_COUNT(eigs_opts);
    return eigs_opts;
}

int rc_eigs_params_has_key(const char *key)
{
    return rc_opt_find(eigs_opts, RC_OPT_COUNT(eigs_opts), key) != NULL ||
           rc_fixedpoints_params_has_key(key);
}

rc_status rc_eigs_params_set(rc_eigs_params *ep, const char *key, const char *value,
                             rc_error *err)
{
    const rc_opt *o = rc_opt_find(eigs_opts, RC_OPT_COUNT(eigs_opts), key);
    if (!o && rc_fixedpoints_params_has_key(key))
        return rc_fixedpoints_params_set(&ep->fp, key, value, err);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown eigs option '%s'", key);
    return rc_opt_set(o, ep, value, err);
}

void rc_eigs_options_default(rc_eigs_options *o)
{
    rc_eigs_params_default(&o->ep);
    o->of_given = o->at_given = 0;
}

rc_status rc_eigs_options_set(rc_eigs_options *o, const char *key, const char *value,
                              rc_error *err)
{
    RC_TRY(rc_eigs_params_set(&o->ep, key, value, err));
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    if (strcmp(norm, "of") == 0) o->of_given = 1;
    if (strcmp(norm, "at") == 0) o->at_given = 1;
    return RC_OK;
}

rc_status rc_eigs_options_finish(rc_eigs_options *o, int has_h0, rc_error *err)
{
    rc_eigs_params *ep = &o->ep;
    if (!o->of_given && (o->at_given || has_h0)) ep->of = RC_EIGS_OF_JACOBIAN;
    if (!o->at_given && has_h0 && ep->of == RC_EIGS_OF_JACOBIAN) ep->at = RC_EIGS_AT_H0;
    if (has_h0) {
        RC_CHECK(ep->of == RC_EIGS_OF_JACOBIAN, err, RC_ERR_INPUT,
                 "--h0: J does not depend on the state (use --of jacobian)");
        RC_CHECK(ep->at == RC_EIGS_AT_H0 || ep->at == RC_EIGS_AT_TRAJECTORY, err, RC_ERR_INPUT,
                 "--h0: not used by --at %s", rc_eigs_at_name(ep->at));
    } else {
        RC_CHECK(ep->at != RC_EIGS_AT_H0, err, RC_ERR_INPUT,
                 "--h0: --at h0 needs a state (--h0 FILE.h5:/DATASET)");
    }
    /* everything but the state itself, checked before any file is read or matrix drawn */
    rc_eigs_params check = *ep;
    static const double dummy = 0.0;
    if (check.at == RC_EIGS_AT_H0) check.h0 = &dummy;
    return rc_eigs_params_validate(&check, err);
}

rc_status rc_eigs_check_model(const rc_eigs_params *ep, const rc_model_params *mp, rc_error *err)
{
    RC_CHECK(ep->solve || mp->N <= 46340, err, RC_ERR_INPUT, "--N: %lld is too large for dense "
             "eigenvalues on one rank (use --grid)", (long long)mp->N);
    RC_TRY(rc_model_params_validate(mp, err));
    if (ep->of == RC_EIGS_OF_JACOBIAN && ep->at == RC_EIGS_AT_TRAJECTORY) {
        /* the trajectory's step counts (sample_trajectory) */
        RC_TRY(rc_check_steps(ep->t_transient, "--t-transient", mp->dt, mp->tau, err));
        RC_TRY(rc_check_steps(ep->t_sample, "--t-sample", mp->dt, mp->tau, err));
        RC_TRY(rc_check_steps(ep->t_transient + ep->n_samples * ep->t_sample, "--t-sample",
                              mp->dt, mp->tau, err));
    }
    if (ep->of == RC_EIGS_OF_JACOBIAN && ep->at == RC_EIGS_AT_FIXEDPOINTS) {
        RC_CHECK(mp->sigma == 0.0, err, RC_ERR_INPUT,
                 "--sigma: fixed points are those of the noise-free dynamics; set --sigma 0");
        RC_CHECK(mp->sigma_c == 0.0, err, RC_ERR_INPUT,
                 "--sigma-c: fixed points are those of the dynamics without common input; set "
                 "--sigma-c 0");
    }
    return rc_model_params_validate(mp, err);
}

/* ---- one spectrum ------------------------------------------------------------------------- */

void rc_eigs_build(const rc_network *net, rc_eigs_of of, const double *h, double *A)
{
    const int64_t N = net->N;
    if (of == RC_EIGS_OF_JACOBIAN) {
        rc_fixedpoints_jacobian(net, h, A);
        /* heterogeneous units: diag(tau/tau_i)(-I + J diag(phi_i'(h))), units of 1/tau */
        if (net->het)
            for (int64_t j = 0; j < N; ++j)
                for (int64_t i = 0; i < N; ++i) A[i + j * N] *= net->p.tau / net->tau_i[i];
        return;
    }
    for (int64_t j = 0; j < N; ++j)
        for (int64_t i = 0; i < N; ++i) A[i + j * N] = net->J[i * N + j];
}

rc_status rc_eigs_dense(int64_t N, double *A, double *re, double *im, rc_error *err)
{
    RC_CHECK(N >= 1 && N <= 46340, err, RC_ERR_INPUT, "--N: %lld is out of range for dense "
             "LAPACK eigenvalues", (long long)N);
    const int n = (int)N, one = 1;
    int info = 0, lwork = -1;
    double wq = 0.0, dummy = 0.0;
    dgeev_("N", "N", &n, A, &n, re, im, &dummy, &one, &dummy, &one, &wq, &lwork, &info);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "dgeev workspace query failed (info = %d)", info);
    lwork = (int)wq;
    if (lwork < 4 * n) lwork = 4 * n;
    double *work = rc_calloc((size_t)lwork, sizeof(double), "dgeev workspace", err);
    if (!work) return RC_ERR_NOMEM;
    dgeev_("N", "N", &n, A, &n, re, im, &dummy, &one, &dummy, &one, work, &lwork, &info);
    free(work);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "dgeev failed (info = %d): %s", info,
             info < 0 ? "bad argument" : "the QR algorithm did not converge");
    return RC_OK;
}

static double mean_inv(const double *w, int64_t n, double u)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += 1.0 / (1.0 + w[i] * u);
    return s / (double)n;
}

double rc_eigs_bulk_quantile_ratio(const double *w, int64_t n, double q, double *q_eff)
{
    if (!w) {
        if (q_eff) *q_eff = q;
        return sqrt(q);
    }
    double mw = 0.0;
    int64_t n0 = 0;
    for (int64_t i = 0; i < n; ++i) {
        mw += w[i];
        n0 += w[i] == 0.0;
    }
    mw /= (double)n;
    const double p0 = (double)n0 / (double)n;
    const double qe = p0 + q * (1.0 - p0);
    if (q_eff) *q_eff = qe;
    if (!(mw > 0)) return 0.0;
    /* F(u) = <1/(1 + w u)> falls from 1 (u = 0) to p0 (u -> inf): bracket F = qe, then bisect
     * in log u (u spans many decades when the w_i do). */
    double lo = 0.0, hi = 1.0 / mw;
    while (mean_inv(w, n, hi) > qe && hi < 1e300) {
        lo = hi;
        hi *= 4.0;
    }
    for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
        const double mid = lo > 0 ? sqrt(lo * hi) : 0.5 * hi;
        if (mean_inv(w, n, mid) > qe) lo = mid;
        else hi = mid;
    }
    const double u = 0.5 * (lo + hi);
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += w[i] / (1.0 + w[i] * u);
    return sqrt(s / (double)n / mw);
}

void rc_eigs_spectrum_free(rc_eigs_spectrum *sp)
{
    if (!sp) return;
    free(sp->re);
    free(sp->outlier_index);
    free(sp->outlier_distance);
    sp->re = sp->im = NULL;
    sp->outlier_index = NULL;
    sp->outlier_distance = NULL;
}

typedef struct {
    double dist;
    int64_t index;
} outlier_rank;

static int cmp_outlier(const void *pa, const void *pb)
{
    const outlier_rank *a = pa, *b = pb;
    if (a->dist > b->dist) return -1;
    if (a->dist < b->dist) return 1;
    return (a->index > b->index) - (a->index < b->index);
}

rc_status rc_eigs_analyze(int64_t N, const double *re, const double *im, double center,
                          const double *w, double radius_theory, const rc_eigs_params *ep,
                          rc_eigs_spectrum *sp, rc_error *err)
{
    memset(sp, 0, sizeof *sp);
    sp->t = NAN;
    rc_status st = RC_OK;
    double *r = NULL;
    outlier_rank *ol = NULL;
    sp->re = rc_calloc((size_t)(2 * N), sizeof(double), "eigenvalues", err);
    r = rc_calloc((size_t)(2 * N), sizeof(double), "radii", err);
    ol = rc_calloc((size_t)N, sizeof *ol, "outliers", err);
    if (!sp->re || !r || !ol) {
        st = RC_ERR_NOMEM;
        goto cleanup;
    }
    sp->im = sp->re + N;
    memcpy(sp->re, re, (size_t)N * sizeof(double));
    memcpy(sp->im, im, (size_t)N * sizeof(double));
    sp->center = center;
    sp->bulk_radius_theory = radius_theory;
    for (int64_t i = 0; i < N; ++i) r[i] = hypot(re[i] - center, im[i]);
    double q_eff = ep->bulk_quantile;
    const double ratio = rc_eigs_bulk_quantile_ratio(w, N, ep->bulk_quantile, &q_eff);
    double *sorted = r + N;
    memcpy(sorted, r, (size_t)N * sizeof(double));
    const double rq = rc_percentile_sorted_inplace(sorted, N, 100.0 * q_eff);
    sp->bulk_radius = ratio > 0 ? rq / ratio : 0.0;
    const double margin = ep->outlier_margin >= 0 ? ep->outlier_margin : 3.0 / sqrt((double)N);
    /* an all-atom spectrum (R = 0) still separates eigenvalues away from c from rounding */
    sp->outlier_threshold = fmax(sp->bulk_radius * (1.0 + margin), 1e-12);
    sp->spectral_edge = -INFINITY;
    sp->bulk_edge = -INFINITY;
    sp->bulk_max_radius = 0.0;
    int n_out = 0;
    for (int64_t i = 0; i < N; ++i) {
        if (re[i] > sp->spectral_edge) sp->spectral_edge = re[i];
        if (r[i] > sp->outlier_threshold) {
            ol[n_out].dist = r[i] - sp->bulk_radius;
            ol[n_out].index = i;
            n_out++;
        } else {
            if (re[i] > sp->bulk_edge) sp->bulk_edge = re[i];
            if (r[i] > sp->bulk_max_radius) sp->bulk_max_radius = r[i];
        }
    }
    qsort(ol, (size_t)n_out, sizeof *ol, cmp_outlier);
    sp->n_outliers = n_out;
    if (n_out > 0) {
        sp->outlier_index = rc_calloc((size_t)n_out, sizeof(int64_t), "outlier indices", err);
        sp->outlier_distance = rc_calloc((size_t)n_out, sizeof(double), "outlier distances", err);
        if (!sp->outlier_index || !sp->outlier_distance) {
            st = RC_ERR_NOMEM;
            goto cleanup;
        }
        for (int k = 0; k < n_out; ++k) {
            sp->outlier_index[k] = ol[k].index;
            sp->outlier_distance[k] = ol[k].dist;
        }
    }
cleanup:
    free(r);
    free(ol);
    if (st != RC_OK) rc_eigs_spectrum_free(sp);
    return st;
}

/* ---- a task ------------------------------------------------------------------------------- */

static void histogram_add(rc_histogram *hg, double x)
{
    if (x < hg->lo) {
        hg->below++;
        return;
    }
    const double width = (hg->hi - hg->lo) / hg->n_bins;
    const int64_t b = (int64_t)floor((x - hg->lo) / width);
    if (b >= hg->n_bins) {
        hg->above++;
        return;
    }
    hg->density[b] += 1.0;
}

static rc_status histograms(rc_eigs_result *res, const rc_eigs_params *ep, rc_error *err)
{
    double R = 0.0;
    for (int s = 0; s < res->n_spectra; ++s) R = fmax(R, res->spectra[s].bulk_radius);
    if (!(R > 0)) R = 1.0; /* an all-atom spectrum: any scale shows it */
    const double c = res->n_spectra > 0 ? res->spectra[0].center : 0.0;
    rc_histogram *hs[2] = {&res->radial, &res->real_part};
    const double lo[2] = {0.0, c - ep->hist_range * R}, hi[2] = {ep->hist_range * R,
                                                                 c + ep->hist_range * R};
    for (int k = 0; k < 2; ++k) {
        hs[k]->lo = lo[k];
        hs[k]->hi = hi[k];
        hs[k]->n_bins = ep->n_bins;
        hs[k]->density = rc_calloc((size_t)ep->n_bins, sizeof(double), "histogram", err);
        if (!hs[k]->density) return RC_ERR_NOMEM;
    }
    int64_t total = 0;
    for (int s = 0; s < res->n_spectra; ++s) {
        const rc_eigs_spectrum *sp = &res->spectra[s];
        for (int64_t i = 0; i < res->N; ++i) {
            histogram_add(&res->radial, hypot(sp->re[i] - sp->center, sp->im[i]));
            histogram_add(&res->real_part, sp->re[i]);
        }
        total += res->N;
    }
    for (int k = 0; k < 2; ++k) {
        const double width = (hs[k]->hi - hs[k]->lo) / hs[k]->n_bins;
        for (int b = 0; b < hs[k]->n_bins; ++b) hs[k]->density[b] /= (double)total * width;
    }
    return RC_OK;
}

/* The states of the trajectory samples (k x N, row s = sample s) and their times. */
static rc_status sample_trajectory(const rc_network *net, const rc_eigs_params *ep,
                                   double *states, double *times, rc_error *err)
{
    const rc_model_params *p = &net->p;
    const int64_t N = net->N;
    const long long n_tr = llround(ep->t_transient / p->dt);
    const long long n_between = llround(ep->t_sample / p->dt);
    RC_CHECK(n_between >= 1, err, RC_ERR_INPUT,
             "--t-sample: %g is less than one step dt = %g", ep->t_sample, p->dt);
    double *h = rc_calloc((size_t)(3 * N), sizeof(double), "trajectory state", err);
    if (!h) return RC_ERR_NOMEM;
    double *work = h + N;
    if (ep->h0) memcpy(h, ep->h0, (size_t)N * sizeof(double));
    else rc_model_initial_state(p, h);
    rc_drive drive;
    rc_drive_init(&drive, p);
    int64_t step = 0;
    rc_status st = RC_OK;
    for (int s = 0; s < ep->n_samples && st == RC_OK; ++s) {
        const int64_t target = n_tr + (int64_t)s * n_between;
        while (step < target && st == RC_OK) {
            if (ep->poll && ep->poll(ep->poll_ctx)) {
                st = rc_fail(err, RC_ERR_SIGNAL, "cancelled by a stop request");
                break;
            }
            rc_model_step(net, step, drive.value, h, N, 1, work);
            rc_drive_advance(&drive, p, step);
            step++;
        }
        if (st != RC_OK) break;
        if (!rc_state_is_sane(h, (size_t)N))
            st = rc_fail(err, RC_ERR_NUMERIC, "trajectory diverged (non-finite or |h| > 1e12) "
                         "before t = %g", (double)step * p->dt);
        memcpy(states + (int64_t)s * N, h, (size_t)N * sizeof(double));
        times[s] = (double)step * p->dt;
    }
    free(h);
    return st;
}

rc_status rc_eigs_run(const rc_network *net, const rc_eigs_params *ep, rc_eigs_result *res,
                      rc_error *err)
{
    const double t0 = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    RC_TRY(rc_eigs_params_validate(ep, err));
    const int64_t N = net->N;
    RC_CHECK(ep->solve || N <= 46340, err, RC_ERR_INPUT, "--N: %lld is out of range for dense "
             "LAPACK eigenvalues (use --grid)", (long long)N);
    RC_CHECK(!ep->solve || ep->of == RC_EIGS_OF_J || ep->at == RC_EIGS_AT_ZERO, err,
             RC_ERR_INPUT, "--at %s: the distributed path (--grid) has J and the Jacobian at "
             "h = 0 only", rc_eigs_at_name(ep->at));
    res->N = N;
    res->of = ep->of;
    res->at = ep->of == RC_EIGS_OF_J ? RC_EIGS_AT_ZERO : ep->at;
    rc_status st = RC_OK;
    double *states = NULL, *times = NULL, *A = NULL, *wr = NULL, *w = NULL;
    int n = 1;
    const double *state0 = NULL;
    if (ep->of == RC_EIGS_OF_JACOBIAN) {
        switch (ep->at) {
        case RC_EIGS_AT_ZERO:
            states = rc_calloc((size_t)N, sizeof(double), "state", err);
            if (!states) return RC_ERR_NOMEM;
            state0 = states;
            break;
        case RC_EIGS_AT_H0: state0 = ep->h0; break;
        case RC_EIGS_AT_FIXEDPOINTS: {
            rc_fixedpoints_params fp = ep->fp;
            fp.poll = ep->poll;
            fp.poll_ctx = ep->poll_ctx;
            RC_TRY(rc_fixedpoints_run(net, &fp, &res->fp, err));
            n = res->fp.n_found;
            break;
        }
        case RC_EIGS_AT_TRAJECTORY:
            n = ep->n_samples;
            states = rc_calloc((size_t)n * (size_t)N, sizeof(double), "trajectory samples", err);
            times = rc_calloc((size_t)n, sizeof(double), "sample times", err);
            if (!states || !times) {
                st = RC_ERR_NOMEM;
                goto cleanup;
            }
            RC_GOTO(sample_trajectory(net, ep, states, times, err));
            break;
        }
    }
    if (!ep->solve) A = rc_aligned_alloc((size_t)(N * N), sizeof(double), "eigenvalue matrix", err);
    wr = rc_calloc((size_t)(2 * N), sizeof(double), "eigenvalues", err);
    w = rc_calloc((size_t)N, sizeof(double), "phi' weights", err);
    res->spectra = rc_calloc((size_t)(n > 0 ? n : 1), sizeof *res->spectra, "spectra", err);
    if ((!A && !ep->solve) || !wr || !w || !res->spectra) {
        st = RC_ERR_NOMEM;
        goto cleanup;
    }
    for (int s = 0; s < n; ++s) {
        RC_CHECK_GOTO(!(ep->poll && ep->poll(ep->poll_ctx)), err, RC_ERR_SIGNAL,
                      "cancelled by a stop request");
        const double *h = NULL;
        if (ep->of == RC_EIGS_OF_JACOBIAN) {
            if (ep->at == RC_EIGS_AT_FIXEDPOINTS) h = res->fp.points[s].h;
            else if (ep->at == RC_EIGS_AT_TRAJECTORY) h = states + (int64_t)s * N;
            else h = state0;
        }
        if (ep->solve) {
            RC_GOTO(ep->solve(ep->solve_ctx, wr, wr + N, err));
        } else {
            rc_eigs_build(net, ep->of, h, A);
            RC_GOTO(rc_eigs_dense(N, A, wr, wr + N, err));
        }
        const double *wt = NULL;
        double mw = 1.0;
        if (h) {
            rc_network_dphi(net, h, w);
            mw = 0.0;
            for (int64_t i = 0; i < N; ++i) {
                w[i] *= w[i];
                mw += w[i];
            }
            mw /= (double)N;
            wt = w;
        }
        /* the disc of radius g sqrt(<phi'^2>) is the dense model's; no reference for ei or for
         * heterogeneous units, whose Jacobian is centred at -<tau/tau_i> instead of -1 */
        const double rth = net->external || !rc_model_is_classic(&net->p)
                               ? NAN : net->p.g * sqrt(mw);
        double center = h ? -1.0 : 0.0;
        if (h && net->het) {
            center = 0.0;
            for (int64_t i = 0; i < N; ++i) center -= net->p.tau / net->tau_i[i];
            center /= (double)N;
        }
        RC_GOTO(rc_eigs_analyze(N, wr, wr + N, center, wt, rth, ep, &res->spectra[s], err));
        res->n_spectra = s + 1;
        if (times) res->spectra[s].t = times[s];
    }
    RC_GOTO(histograms(res, ep, err));
    res->wall_s = rc_wall_seconds() - t0;
cleanup:
    free(states);
    free(times);
    free(A);
    free(wr);
    free(w);
    if (st != RC_OK) rc_eigs_result_free(res);
    return st;
}

void rc_eigs_result_free(rc_eigs_result *res)
{
    if (!res) return;
    for (int s = 0; s < res->n_spectra; ++s) rc_eigs_spectrum_free(&res->spectra[s]);
    free(res->spectra);
    res->spectra = NULL;
    res->n_spectra = 0;
    free(res->radial.density);
    free(res->real_part.density);
    res->radial.density = res->real_part.density = NULL;
    rc_fixedpoints_result_free(&res->fp);
}
