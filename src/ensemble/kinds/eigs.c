/* The eigs task kind (docs/model.md sections 1 and 6): rc_eigs_run on one drawn network, exactly as
 * `rnnchaos eigs` runs it (same option tables and defaults through rc_eigs_options, same model
 * checks through rc_eigs_check_model).  --h0 and --connectivity stay with the command. */
#include "kinds.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/eigs.h"

typedef struct {
    rc_model_params model;
    rc_eigs_params ep; /* resolved (of, at); h0, poll NULL */
} eigs_task;

_Static_assert(sizeof(eigs_task) <= RC_TASK_PARAMS_MAX, "eigs task params too large");
/* of and at are archived as RC_COL_INT */
_Static_assert(sizeof(rc_eigs_of) == sizeof(int) && sizeof(rc_eigs_at) == sizeof(int),
               "enum columns stored as int");

typedef struct {
    rc_model_config mc;
    rc_eigs_options eo;
} eigs_config;

static void eigs_config_default(void *config, uint64_t seed)
{
    eigs_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_eigs_options_default(&c->eo);
}

static int eigs_has_key(const char *key)
{
    return rc_model_config_has_key(key) || rc_eigs_params_has_key(key);
}

static rc_status eigs_config_set(void *config, const char *key, const char *value, rc_error *err)
{
    eigs_config *c = config;
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "eigs", key, value, err);
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    RC_CHECK(!(strcmp(norm, "at") == 0 && strcmp(value, "h0") == 0), err, RC_ERR_INPUT,
             "--at: h0 needs a state file, not supported in job files (use rnnchaos eigs --h0 "
             "for one state)");
    return rc_eigs_options_set(&c->eo, key, value, err);
}

static rc_status eigs_make_task(const void *config, int64_t realization, void *params,
                                rc_error *err)
{
    eigs_config c = *(const eigs_config *)config;
    eigs_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    /* the order of `rnnchaos eigs`: options, then the model */
    RC_TRY(rc_eigs_options_finish(&c.eo, 0, err));
    t->model = c.mc.model;
    t->ep = c.eo.ep;
    t->ep.h0 = NULL;
    t->ep.poll = NULL;
    t->ep.poll_ctx = NULL;
    t->ep.fp.poll = NULL;
    t->ep.fp.poll_ctx = NULL;
    if (t->ep.of == RC_EIGS_OF_J) t->ep.at = RC_EIGS_AT_ZERO;
    return rc_eigs_check_model(&t->ep, &t->model, err);
}

static int64_t eigs_max_spectra(const eigs_task *t)
{
    if (t->ep.of == RC_EIGS_OF_J) return 1;
    switch (t->ep.at) {
    case RC_EIGS_AT_TRAJECTORY: return t->ep.n_samples;
    case RC_EIGS_AT_FIXEDPOINTS: return (int64_t)t->ep.fp.n_starts + 1; /* + the origin */
    default: return 1;
    }
}

/* Cost model (eigs.h has none).  dgeev without eigenvectors: ~10 N^3 flops (Hessenberg
 * reduction 10/3 N^3, then the shifted QR sweeps ~6-7 N^3).  Fixed points: per start ~25 damped
 * Newton iterations of one LU (2/3 N^3), and about one point per two starts to diagonalise.
 * Trajectory: 2 N^2 per Euler step. */
static void eigs_estimate(const void *params, double *flops, double *bytes)
{
    const eigs_task *t = params;
    const double N = (double)t->model.N, N3 = N * N * N;
    double f = 0.0, spectra = 1.0;
    if (t->ep.of == RC_EIGS_OF_JACOBIAN && t->ep.at == RC_EIGS_AT_TRAJECTORY) {
        spectra = t->ep.n_samples;
        f += (t->ep.t_transient + t->ep.n_samples * t->ep.t_sample) / t->model.dt *
             (2.0 * N * N + 20.0 * N);
    } else if (t->ep.of == RC_EIGS_OF_JACOBIAN && t->ep.at == RC_EIGS_AT_FIXEDPOINTS) {
        spectra = 0.5 * t->ep.fp.n_starts + 1.0;
        f += t->ep.fp.n_starts * 25.0 * (2.0 / 3.0 * N3 + 4.0 * N * N);
        f += spectra * 10.0 * N3; /* each point's stability, inside rc_fixedpoints_run */
    }
    f += spectra * (10.0 * N3 + 2.0 * N * N);
    *flops = f;
    /* J, the eigenvalue matrix (and the Newton and LM matrices), the eigenvalues kept */
    const double mats = t->ep.at == RC_EIGS_AT_FIXEDPOINTS && t->ep.of == RC_EIGS_OF_JACOBIAN
                            ? 4.0 : 2.0;
    *bytes = 8.0 * (mats * N * N + (double)eigs_max_spectra(t) * 4.0 * N + 16.0 * N);
}

enum {
    ER_N_SPECTRA, ER_CENTER, ER_BULK_R, ER_BULK_R_TH, ER_EDGE, ER_BULK_EDGE, ER_N_OUT,
    ER_O1_RE, ER_O1_IM, ER_O1_D, ER_O2_RE, ER_O2_IM, ER_O2_D,
    ER_EIGENVALUES, ER_OUTLIERS, ER_OUT_D, ER_OUT_SPEC,
    ER_S_BULK_R, ER_S_BULK_R_TH, ER_S_BULK_MAX, ER_S_THRESH, ER_S_EDGE, ER_S_BULK_EDGE,
    ER_S_N_OUT, ER_S_T, ER_S_Q, ER_S_N_UNST,
    ER_RAD_LO, ER_RAD_HI, ER_RAD_D, ER_RAD_BELOW, ER_RAD_ABOVE,
    ER_RE_LO, ER_RE_HI, ER_RE_D, ER_RE_BELOW, ER_RE_ABOVE,
    ER_FP_STARTS, ER_FP_CONV, ER_FP_FOUND, ER_COUNT
};

_Static_assert(ER_COUNT <= RC_MAX_RESULT_COLS, "too many eigs result columns");

static const rc_result_column eigs_results[ER_COUNT] = {
    [ER_N_SPECTRA] = {"n_spectra", RC_COL_I64, 0, "spectra (matrices) of the task"},
    [ER_CENTER] = {"center", RC_COL_F64, 0, "centre c of the bulk: 0 for J, -<tau/tau_i> for the Jacobian"},
    [ER_BULK_R] = {"bulk_radius", RC_COL_F64, 0, "bulk radius R (quantile estimate), mean over the spectra"},
    [ER_BULK_R_TH] = {"bulk_radius_theory", RC_COL_F64, 0, "g sqrt(<phi'^2>), mean over the spectra (NaN: no reference)"},
    [ER_EDGE] = {"spectral_edge", RC_COL_F64, 0, "largest real part, mean over the spectra"},
    [ER_BULK_EDGE] = {"bulk_edge", RC_COL_F64, 0, "largest real part of the non-outliers, mean over the spectra"},
    [ER_N_OUT] = {"n_outliers", RC_COL_I64, 0, "outliers of all spectra (rows of outliers)"},
    [ER_O1_RE] = {"outlier1_re", RC_COL_F64, 0, "farthest outlier (all spectra pooled, by distance): real part (NaN: none)"},
    [ER_O1_IM] = {"outlier1_im", RC_COL_F64, 0, "farthest outlier: imaginary part"},
    [ER_O1_D] = {"outlier1_distance", RC_COL_F64, 0, "farthest outlier: |mu - c| - R"},
    [ER_O2_RE] = {"outlier2_re", RC_COL_F64, 0, "second farthest outlier: real part (NaN: none)"},
    [ER_O2_IM] = {"outlier2_im", RC_COL_F64, 0, "second farthest outlier: imaginary part"},
    [ER_O2_D] = {"outlier2_distance", RC_COL_F64, 0, "second farthest outlier: |mu - c| - R"},
    [ER_EIGENVALUES] = {"eigenvalues", RC_COL_F64, 2, "[re, im] of every eigenvalue, spectrum s in rows s N .. s N + N - 1 (LAPACK order)"},
    [ER_OUTLIERS] = {"outliers", RC_COL_F64, 2, "[re, im] of the outliers, spectrum by spectrum, each by distance descending"},
    [ER_OUT_D] = {"outlier_distance", RC_COL_F64, 1, "|mu - c| - R of each outlier"},
    [ER_OUT_SPEC] = {"outlier_spectrum", RC_COL_F64, 1, "spectrum index of each outlier"},
    [ER_S_BULK_R] = {"spectrum_bulk_radius", RC_COL_F64, 1, "per spectrum: bulk radius R"},
    [ER_S_BULK_R_TH] = {"spectrum_bulk_radius_theory", RC_COL_F64, 1, "per spectrum: g sqrt(<phi'^2>)"},
    [ER_S_BULK_MAX] = {"spectrum_bulk_max_radius", RC_COL_F64, 1, "per spectrum: largest |mu - c| of the non-outliers"},
    [ER_S_THRESH] = {"spectrum_outlier_threshold", RC_COL_F64, 1, "per spectrum: R (1 + margin)"},
    [ER_S_EDGE] = {"spectrum_spectral_edge", RC_COL_F64, 1, "per spectrum: largest real part"},
    [ER_S_BULK_EDGE] = {"spectrum_bulk_edge", RC_COL_F64, 1, "per spectrum: largest real part of the non-outliers"},
    [ER_S_N_OUT] = {"spectrum_n_outliers", RC_COL_F64, 1, "per spectrum: number of outliers"},
    [ER_S_T] = {"spectrum_t", RC_COL_F64, 1, "per spectrum: sample time (at = trajectory; NaN otherwise)"},
    [ER_S_Q] = {"spectrum_q", RC_COL_F64, 1, "per spectrum: q of the fixed point (at = fixedpoints; NaN otherwise)"},
    [ER_S_N_UNST] = {"spectrum_n_unstable", RC_COL_F64, 1, "per spectrum: unstable directions of the fixed point (at = fixedpoints; NaN otherwise)"},
    [ER_RAD_LO] = {"radial_lo", RC_COL_F64, 0, "radial histogram of |mu - c|: lower end"},
    [ER_RAD_HI] = {"radial_hi", RC_COL_F64, 0, "radial histogram: upper end (hist_range times the largest R)"},
    [ER_RAD_D] = {"radial_density", RC_COL_F64, 1, "radial density, all spectra pooled (count / (n N width))"},
    [ER_RAD_BELOW] = {"radial_below", RC_COL_I64, 0, "radial histogram: values below lo"},
    [ER_RAD_ABOVE] = {"radial_above", RC_COL_I64, 0, "radial histogram: values at or above hi"},
    [ER_RE_LO] = {"real_part_lo", RC_COL_F64, 0, "histogram of Re mu: lower end"},
    [ER_RE_HI] = {"real_part_hi", RC_COL_F64, 0, "histogram of Re mu: upper end"},
    [ER_RE_D] = {"real_part_density", RC_COL_F64, 1, "density of Re mu, all spectra pooled"},
    [ER_RE_BELOW] = {"real_part_below", RC_COL_I64, 0, "histogram of Re mu: values below lo"},
    [ER_RE_ABOVE] = {"real_part_above", RC_COL_I64, 0, "histogram of Re mu: values at or above hi"},
    [ER_FP_STARTS] = {"fp_n_starts", RC_COL_I64, 0, "at = fixedpoints: Newton starts (-1 otherwise)"},
    [ER_FP_CONV] = {"fp_n_converged", RC_COL_I64, 0, "at = fixedpoints: converged starts (-1 otherwise)"},
    [ER_FP_FOUND] = {"fp_n_found", RC_COL_I64, 0, "at = fixedpoints: distinct fixed points = n_spectra (-1 otherwise)"},
};

#define ET(f) offsetof(eigs_task, f)
static const rc_param_column eigs_params[] = {
    RC_MODEL_PARAM_COLUMNS(eigs_task, model),
    {"g", RC_COL_F64, ET(model.g), "coupling strength"},
    {"of", RC_COL_INT, ET(ep.of), "matrix: 0 J, 1 the Jacobian -I + J diag(phi'(h))"},
    {"at", RC_COL_INT, ET(ep.at), "Jacobian at: 0 h = 0, 2 every fixed point, 3 trajectory samples (0 for J)"},
    {"samples", RC_COL_INT, ET(ep.n_samples), "trajectory: states sampled"},
    {"t_sample", RC_COL_F64, ET(ep.t_sample), "trajectory: time between samples"},
    {"t_transient", RC_COL_F64, ET(ep.t_transient), "trajectory: time before the first sample"},
    {"bulk_quantile", RC_COL_F64, ET(ep.bulk_quantile), "quantile q of the bulk-radius estimate"},
    {"outlier_margin", RC_COL_F64, ET(ep.outlier_margin), "relative margin beyond R (-1: auto, 3/sqrt(N))"},
    {"bins", RC_COL_INT, ET(ep.n_bins), "histogram bins"},
    {"hist_range", RC_COL_F64, ET(ep.hist_range), "histogram range in units of R"},
    {"starts", RC_COL_INT, ET(ep.fp.n_starts), "at = fixedpoints: Newton starts"},
    {"start_scale", RC_COL_F64, ET(ep.fp.start_scale), "at = fixedpoints: typical |h_i| of a start"},
    {"tol", RC_COL_F64, ET(ep.fp.tol), "at = fixedpoints: convergence max_i |F_i|"},
    {"max_iter", RC_COL_INT, ET(ep.fp.max_iter), "at = fixedpoints: Newton iterations per start and stage"},
    {"step_max", RC_COL_F64, ET(ep.fp.step_max), "at = fixedpoints: cap on a full Newton step (0: damped only)"},
    {"dedup_tol", RC_COL_F64, ET(ep.fp.dedup_tol), "at = fixedpoints: two points are one within this"},
    {"antithetic", RC_COL_INT, ET(ep.fp.antithetic), "at = fixedpoints: 1 starts in mirror pairs"},
};
#undef ET

static void eigs_result_dims(const void *params, int col, int64_t dims[2])
{
    const eigs_task *t = params;
    const int64_t ns = eigs_max_spectra(t), N = t->model.N;
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case ER_EIGENVALUES: case ER_OUTLIERS:
        dims[0] = ns * N;
        dims[1] = 2;
        break;
    case ER_OUT_D: case ER_OUT_SPEC: dims[1] = ns * N; break;
    case ER_S_BULK_R: case ER_S_BULK_R_TH: case ER_S_BULK_MAX: case ER_S_THRESH: case ER_S_EDGE:
    case ER_S_BULK_EDGE: case ER_S_N_OUT: case ER_S_T: case ER_S_Q: case ER_S_N_UNST:
        dims[1] = ns;
        break;
    case ER_RAD_D: case ER_RE_D: dims[1] = t->ep.n_bins; break;
    default: break;
    }
}

typedef struct {
    rc_eigs_result res;
    double *buf;
} eigs_output;

static void eigs_output_free(rc_task_output *out)
{
    eigs_output *o = out->owner;
    if (o) {
        rc_eigs_result_free(&o->res);
        free(o->buf);
        free(o);
    }
    out->owner = NULL;
}

static double spectra_mean(const rc_eigs_result *r, size_t offset)
{
    if (r->n_spectra == 0) return NAN;
    double s = 0.0;
    for (int k = 0; k < r->n_spectra; ++k)
        s += *(const double *)((const char *)&r->spectra[k] + offset);
    return s / r->n_spectra;
}

static rc_status eigs_run(const void *params, const rc_task_cancel *cancel,
                               rc_task_output *out, rc_error *err)
{
    const eigs_task *t = params;
    memset(out, 0, sizeof *out);
    RC_CHECK(!rc_task_cancel_now(cancel), err, RC_ERR_SIGNAL, "cancelled by a stop request");
    rc_network net;
    RC_TRY(rc_network_create(&net, &t->model, err));
    eigs_output *o = rc_calloc(1, sizeof *o, "eigs result", err);
    if (!o) {
        rc_network_free(&net);
        return RC_ERR_NOMEM;
    }
    /* polled before every spectrum, trajectory step and Newton iteration */
    rc_eigs_params ep = t->ep;
    if (cancel && cancel->requested) {
        ep.poll = cancel->requested;
        ep.poll_ctx = cancel->ctx;
    }
    rc_status st = rc_eigs_run(&net, &ep, &o->res, err);
    rc_network_free(&net);
    if (st != RC_OK) {
        free(o);
        return st;
    }
    const rc_eigs_result *r = &o->res;
    const int64_t N = r->N, ns = r->n_spectra;
    int64_t n_out = 0;
    for (int64_t s = 0; s < ns; ++s) n_out += r->spectra[s].n_outliers;
    /* eigenvalues 2 ns N, outliers 2 n_out + distance + spectrum, 10 per-spectrum vectors */
    o->buf = rc_calloc((size_t)(2 * ns * N + 4 * n_out + 10 * ns + 1), sizeof(double),
                       "eigs columns", err);
    if (!o->buf) {
        rc_eigs_result_free(&o->res);
        free(o);
        return RC_ERR_NOMEM;
    }
    double *ev = o->buf, *ol = ev + 2 * ns * N, *od = ol + 2 * n_out, *os = od + n_out,
           *sv = os + n_out;
    double *s_vec[10];
    for (int k = 0; k < 10; ++k) s_vec[k] = sv + k * ns;
    const int at_fp = r->of == RC_EIGS_OF_JACOBIAN && r->at == RC_EIGS_AT_FIXEDPOINTS;
    int64_t m = 0;
    /* the two farthest outliers over all spectra (ties: the earlier one) */
    double best_d[2] = {-INFINITY, -INFINITY}, best_re[2] = {NAN, NAN}, best_im[2] = {NAN, NAN};
    for (int64_t s = 0; s < ns; ++s) {
        const rc_eigs_spectrum *sp = &r->spectra[s];
        for (int64_t i = 0; i < N; ++i) {
            ev[2 * (s * N + i)] = sp->re[i];
            ev[2 * (s * N + i) + 1] = sp->im[i];
        }
        for (int k = 0; k < sp->n_outliers; ++k) {
            const int64_t i = sp->outlier_index[k];
            const double d = sp->outlier_distance[k];
            ol[2 * m] = sp->re[i];
            ol[2 * m + 1] = sp->im[i];
            od[m] = d;
            os[m] = (double)s;
            ++m;
            if (d > best_d[0]) {
                best_d[1] = best_d[0];
                best_re[1] = best_re[0];
                best_im[1] = best_im[0];
                best_d[0] = d;
                best_re[0] = sp->re[i];
                best_im[0] = sp->im[i];
            } else if (d > best_d[1]) {
                best_d[1] = d;
                best_re[1] = sp->re[i];
                best_im[1] = sp->im[i];
            }
        }
        s_vec[0][s] = sp->bulk_radius;
        s_vec[1][s] = sp->bulk_radius_theory;
        s_vec[2][s] = sp->bulk_max_radius;
        s_vec[3][s] = sp->outlier_threshold;
        s_vec[4][s] = sp->spectral_edge;
        s_vec[5][s] = sp->bulk_edge;
        s_vec[6][s] = (double)sp->n_outliers;
        s_vec[7][s] = sp->t;
        s_vec[8][s] = at_fp ? r->fp.points[s].q : NAN;
        s_vec[9][s] = at_fp ? (double)r->fp.points[s].n_unstable : NAN;
    }
    rc_cell *c = out->cells;
    c[ER_N_SPECTRA].i = ns;
    c[ER_CENTER].f = ns ? r->spectra[0].center : NAN;
    c[ER_BULK_R].f = spectra_mean(r, offsetof(rc_eigs_spectrum, bulk_radius));
    c[ER_BULK_R_TH].f = spectra_mean(r, offsetof(rc_eigs_spectrum, bulk_radius_theory));
    c[ER_EDGE].f = spectra_mean(r, offsetof(rc_eigs_spectrum, spectral_edge));
    c[ER_BULK_EDGE].f = spectra_mean(r, offsetof(rc_eigs_spectrum, bulk_edge));
    c[ER_N_OUT].i = n_out;
    for (int k = 0; k < 2; ++k) {
        c[ER_O1_RE + 3 * k].f = best_re[k];
        c[ER_O1_IM + 3 * k].f = best_im[k];
        c[ER_O1_D + 3 * k].f = isfinite(best_d[k]) ? best_d[k] : NAN;
    }
    c[ER_EIGENVALUES] = (rc_cell){0, 0, ev, {ns * N, 2}, NULL};
    c[ER_OUTLIERS] = (rc_cell){0, 0, ol, {n_out, 2}, NULL};
    c[ER_OUT_D] = (rc_cell){0, 0, od, {1, n_out}, NULL};
    c[ER_OUT_SPEC] = (rc_cell){0, 0, os, {1, n_out}, NULL};
    for (int k = 0; k < 10; ++k) c[ER_S_BULK_R + k] = (rc_cell){0, 0, s_vec[k], {1, ns}, NULL};
    const rc_histogram *hs[2] = {&r->radial, &r->real_part};
    for (int k = 0; k < 2; ++k) {
        const int b = k ? ER_RE_LO : ER_RAD_LO;
        c[b].f = hs[k]->lo;
        c[b + 1].f = hs[k]->hi;
        c[b + 2] = (rc_cell){0, 0, hs[k]->density, {1, hs[k]->n_bins}, NULL};
        c[b + 3].i = hs[k]->below;
        c[b + 4].i = hs[k]->above;
    }
    c[ER_FP_STARTS].i = at_fp ? r->fp.n_starts : -1;
    c[ER_FP_CONV].i = at_fp ? r->fp.n_converged : -1;
    c[ER_FP_FOUND].i = at_fp ? r->fp.n_found : -1;
    out->headline = c[ER_EDGE].f;
    out->owner = o;
    return RC_OK;
}

static void eigs_describe(const void *params, char *buf, size_t len)
{
    const eigs_task *t = params;
    snprintf(buf, len, "N=%lld g=%g b=%g %s of=%s%s%s seed_net=%llu", (long long)t->model.N,
             t->model.g, t->model.b, rc_phi_name(t->model.phi), rc_eigs_of_name(t->ep.of),
             t->ep.of == RC_EIGS_OF_J ? "" : " at=",
             t->ep.of == RC_EIGS_OF_J ? "" : rc_eigs_at_name(t->ep.at),
             (unsigned long long)t->model.seed_net);
}

/* ---- what summarize reports --------------------------------------------------------------- */

static const rc_summary_quantity eigs_summary[] = {
    {"spectral_edge", "spectral_edge", 0, "largest real part of the eigenvalues", 0},
    {"bulk_edge", "bulk_edge", 0, "largest real part of the bulk (outliers left out)", 0},
    {"bulk_radius", "bulk_radius", 0, "bulk radius R (quantile estimate)", 0},
    {"bulk_radius_theory", "bulk_radius_theory", 0, "g sqrt(<phi'^2>) (NaN: no reference)", 0},
    {"n_outliers", "n_outliers", 0, "eigenvalues outside R (1 + margin)", 0},
    {"outlier1_re", "outlier1_re", 0, "farthest outlier, real part (realisations with one)", 0},
    {"outlier1_im", "outlier1_im", 0, "farthest outlier, imaginary part", 0},
    {"outlier1_distance", "outlier1_distance", 0, "farthest outlier, |mu - c| - R", 0},
    {"outlier2_re", "outlier2_re", 0, "second farthest outlier, real part", 0},
    {"outlier2_im", "outlier2_im", 0, "second farthest outlier, imaginary part", 0},
};

const rc_task_kind rc_kind_eigs = {
    RC_TASK_KIND_FUNCTIONS(eigs),
    .name = "eigs",
    .headline = "spectral_edge",
    /* one dgeev (seconds at N = 1000) has no poll inside: rank 0 should not run these */
    .polls_every_step = 0,
    RC_TASK_KIND_SUMMARY(eigs),
};
