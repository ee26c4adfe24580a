/* rnnchaos summarize ARCHIVE.h5 [--json] [--no-write]: statistics over realisations and
 * finite-size fits, from nothing but the archive (interface.md; issue 5).
 *
 * Groups: the tasks of a kind that share every parameter but the four seeds.  Per group: the
 * number of done tasks and, for each quantity of the kind, median, mean, std, 20% and 80%
 * percentiles over the done tasks' finite values (fit.h: rc_summarize).  Families: groups that
 * differ only in N.  Per family with at least three sizes: the extensivity fits of the spectrum
 * kind (H and D against N; H/N and D/N against N, whose slope CI containing 0 means "constant
 * across N") and the finite-size fit of the gcrit kind (log(g_crit - 1) against log N, per
 * realisation and on the group medians).  Every fit is an OLS fit of the realisations' values
 * (fit.h), so its CI reflects the scatter between networks.
 *
 * The results go to stdout (a table, or one JSON object) and into the archive's /summary group
 * (docs/archive.md), replacing an earlier one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rnnchaos/archive.h"
#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/dmft.h"
#include "rnnchaos/fit.h"
#include "rnnchaos/job.h"
#include "rnnchaos/rmt.h"
#include "rnnchaos_version.h"

static const char summarize_help[] =
    "usage: rnnchaos summarize ARCHIVE.h5 [--json] [--no-write] [--no-theory]\n"
    "\n"
    "Groups the tasks of each kind by every parameter but the seeds and prints, per group, the\n"
    "number of done tasks and median, mean, std, 20% and 80% percentiles over realisations of\n"
    "  spectrum:  lambda_max, entropy_H, dim_ky, entropy_H/N, dim_ky/N\n"
    "  gcrit:     g_crit (decided realisations only; the others are counted as non-finite),\n"
    "             g_crit_lower / g_crit_upper (the bracket's ends of every realisation with one\n"
    "             crossing, undecided ones included: bounds on g_crit's median and percentiles)\n"
    "  coherence: info_rate_lb, info_rate_lb_debiased, tau_eff, tau_eff_theory,\n"
    "             active_fraction, rate_mean\n"
    "  eigs:      spectral_edge, bulk_edge, bulk_radius, bulk_radius_theory, n_outliers,\n"
    "             outlier1_re/_im/_distance, outlier2_re/_im (the farthest outliers; realisations\n"
    "             without one are counted as non-finite)\n"
    "  fixedpoints: n_found, n_nontrivial, n_stable, n_converged, q_mean\n"
    "and, for groups that differ only in N (at least 3 sizes), least-squares fits with 95% CIs:\n"
    "  H and D against N, H/N and D/N against N (slope CI containing 0: constant across N);\n"
    "  log(g_crit - 1) against log N (the exponent; -1/2 expected).\n"
    "For spectrum groups of the classic network (tanh, or hardtanh at dt = 1; b = 0,\n"
    "sigma_c = 0, tau = 1) it adds the N -> infinity references: the mean-field lambda_1 and\n"
    "Delta_0 (dmft.h; continuous-time theory for dt < 1, the map for dt = 1) at every g of the\n"
    "groups and on a grid between them, and the random-matrix spectrum below the transition\n"
    "(rmt.h, g < 1, sigma = 0).\n"
    "Writes the tables into the archive's /summary group (replacing an earlier one) unless\n"
    "--no-write; run it after the run has finished (docs/archive.md).\n"
    "  --json      one JSON object on stdout instead of the table\n"
    "  --no-theory leave out the mean-field and random-matrix references\n"
    "Exit codes: 0 ok, 2 bad usage or not an archive, 1 the archive could not be written.\n";

/* ---- what is summarised --------------------------------------------------------------------- */

typedef struct {
    const char *name;    /* quantity name in the output */
    const char *dataset; /* result dataset of the kind */
    int per_N;           /* 1: divided by the task's N */
    const char *doc;
    int bound;           /* -1 / +1: the lower / upper end of the task's (n, 2) dataset, with
                            -inf / +inf where that end is missing; statistics keep infinities */
} quantity;

static const quantity spectrum_quantities[] = {
    {"lambda_max", "lambda_max", 0, "largest Lyapunov exponent (1/tau)", 0},
    {"entropy_H", "entropy_H", 0, "KS entropy rate (nats/tau)", 0},
    {"dim_ky", "dim_ky", 0, "Kaplan-Yorke dimension (NaN: only a lower bound)", 0},
    {"entropy_H_per_N", "entropy_H", 1, "entropy rate per unit", 0},
    {"dim_ky_per_N", "dim_ky", 1, "Kaplan-Yorke dimension per unit", 0},
    {NULL, NULL, 0, NULL, 0}};
static const quantity gcrit_quantities[] = {
    {"g_crit", "g_crit", 0, "critical coupling (decided realisations)", 0},
    {"g_crit_lower", "bracket", 0,
     "bracket's lower end, every realisation with one crossing (undecided too); -inf: chaotic "
     "at g_lo. Its statistics are lower bounds of theirs over all those realisations", -1},
    {"g_crit_upper", "bracket", 0,
     "bracket's upper end, likewise; +inf: regular up to g_hi. Its statistics are upper bounds",
     1},
    {NULL, NULL, 0, NULL, 0}};
static const quantity coherence_quantities[] = {
    {"info_rate_lb", "info_rate_lb", 0, "information-rate lower bound (bits/tau), raw", 0},
    {"info_rate_lb_debiased", "info_rate_lb_debiased", 0, "R_lb minus its estimator bias", 0},
    {"tau_eff", "tau_eff", 0, "measured balance relaxation time (tau)", 0},
    {"tau_eff_theory", "tau_eff_theory", 0, "tau/(1 + b J0 p)", 0},
    {"active_fraction", "active_fraction", 0, "fraction p of active units", 0},
    {"rate_mean", "rate_mean", 0, "mean population rate", 0},
    {NULL, NULL, 0, NULL, 0}};

static const quantity eigs_quantities[] = {
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
    {NULL, NULL, 0, NULL, 0}};
static const quantity fixedpoints_quantities[] = {
    {"n_found", "n_found", 0, "distinct fixed points (h = 0 included)", 0},
    {"n_nontrivial", "n_nontrivial", 0, "fixed points other than h = 0", 0},
    {"n_stable", "n_stable", 0, "fixed points without unstable directions", 0},
    {"n_converged", "n_converged", 0, "starts that converged", 0},
    {"q_mean", "q_mean", 0, "mean q = |h*|^2/N of the non-trivial points", 0},
    {NULL, NULL, 0, NULL, 0}};

static const quantity *kind_quantities(const char *kind)
{
    if (strcmp(kind, "spectrum") == 0) return spectrum_quantities;
    if (strcmp(kind, "gcrit") == 0) return gcrit_quantities;
    if (strcmp(kind, "coherence") == 0) return coherence_quantities;
    if (strcmp(kind, "eigs") == 0) return eigs_quantities;
    if (strcmp(kind, "fixedpoints") == 0) return fixedpoints_quantities;
    return NULL;
}

static int is_seed(const char *name) { return strncmp(name, "seed_", 5) == 0; }

/* ---- one kind's table ----------------------------------------------------------------------- */

typedef struct {
    const rc_param_column *col; /* the descriptor's column (type, doc) */
    double *num;                /* numeric parameters, one per row */
    char *str;                  /* string parameters: rows x width */
    size_t width;
} param_data;

typedef struct {
    const rc_task_kind *kind;
    int64_t n_rows;
    double *status;
    int n_params;
    param_data *params;    /* non-seed parameters present in the archive */
    int N_col, nle_col;    /* index in params of N and n_le, or -1 */
    int64_t *group;        /* group of each row */
    int64_t n_groups;
    int64_t *first_row;    /* a representative row per group */
    int64_t *n_done, *n_tasks, *n_failed, *n_pending;
    int n_q;
    const quantity *q;
    double **values;       /* per quantity, per row (NaN unless done) */
    rc_summary **stats;    /* per quantity, per group */
} kind_table;

static void kind_table_free(kind_table *t)
{
    for (int p = 0; p < t->n_params; ++p) {
        free(t->params[p].num);
        free(t->params[p].str);
    }
    free(t->params);
    free(t->status);
    free(t->group);
    free(t->first_row);
    free(t->n_done);
    free(t->n_tasks);
    free(t->n_failed);
    free(t->n_pending);
    for (int k = 0; k < t->n_q; ++k) {
        if (t->values) free(t->values[k]);
        if (t->stats) free(t->stats[k]);
    }
    free(t->values);
    free(t->stats);
    memset(t, 0, sizeof *t);
}

/* Rows a and b have the same value of parameter p (NaN equals NaN). */
static int param_equal(const param_data *p, int64_t a, int64_t b)
{
    if (p->str) return strcmp(p->str + (size_t)a * p->width, p->str + (size_t)b * p->width) == 0;
    const double x = p->num[a], y = p->num[b];
    return x == y || (isnan(x) && isnan(y));
}

/* Same group; with family != 0, N is ignored, and n_le too where it equals N ("all"). */
static int rows_equal(const kind_table *t, int64_t a, int64_t b, int family)
{
    for (int p = 0; p < t->n_params; ++p) {
        if (family && p == t->N_col) continue;
        if (family && p == t->nle_col && t->N_col >= 0) {
            const double *N = t->params[t->N_col].num, *m = t->params[p].num;
            if (m[a] == N[a] && m[b] == N[b]) continue;
        }
        if (!param_equal(&t->params[p], a, b)) return 0;
    }
    return 1;
}

static rc_status read_numeric(const char *path, const char *name, int64_t n, double **out,
                              rc_error *err)
{
    int nd;
    int64_t dims[3];
    RC_TRY(rc_archive_read_doubles(path, name, out, &nd, dims, err));
    if (nd != 1 || dims[0] != n) {
        free(*out);
        *out = NULL;
        return rc_fail(err, RC_ERR_INPUT, "%s: /%s has the wrong shape", path, name);
    }
    return RC_OK;
}

/* One end of an (n, 2) interval dataset such as the g_crit bracket [largest regular g, smallest
 * chaotic g]: side -1 the lower end, +1 the upper.  A missing end (NaN) whose other end exists
 * is unbounded (-inf / +inf); with both ends missing (several crossings) the value is NaN. */
static rc_status read_bound(const char *path, const char *name, int64_t n, int side, double **out,
                            rc_error *err)
{
    int nd;
    int64_t dims[3];
    double *ends = NULL;
    RC_TRY(rc_archive_read_doubles(path, name, &ends, &nd, dims, err));
    if (nd != 2 || dims[0] != n || dims[1] != 2) {
        free(ends);
        return rc_fail(err, RC_ERR_INPUT, "%s: /%s has the wrong shape", path, name);
    }
    *out = rc_calloc((size_t)n + 1, sizeof(double), "bounds", err);
    if (!*out) {
        free(ends);
        return RC_ERR_NOMEM;
    }
    for (int64_t i = 0; i < n; ++i) {
        const double lo = ends[2 * i], hi = ends[2 * i + 1];
        const double mine = side < 0 ? lo : hi, other = side < 0 ? hi : lo;
        (*out)[i] = !isnan(mine) ? mine : !isnan(other) ? side * INFINITY : NAN;
    }
    free(ends);
    return RC_OK;
}

static rc_status load_kind(const char *path, const rc_task_kind *kind, kind_table *t,
                           rc_error *err)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->N_col = t->nle_col = -1;
    char name[256];
    rc_status st = RC_OK;
    int nd;
    int64_t dims[3];
    snprintf(name, sizeof name, "%s/status", kind->name);
    RC_TRY(rc_archive_read_doubles(path, name, &t->status, &nd, dims, err));
    t->n_rows = dims[0];
    t->params = rc_calloc((size_t)kind->n_params + 1, sizeof(param_data), "parameters", err);
    RC_CHECK_GOTO(t->params, err, RC_ERR_NOMEM, "out of memory");
    for (int c = 0; c < kind->n_params; ++c) {
        const rc_param_column *col = &kind->params[c];
        if (is_seed(col->name)) continue;
        snprintf(name, sizeof name, "%s/params/%s", kind->name, col->name);
        if (!rc_archive_has(path, name)) continue; /* an archive of an older program */
        param_data *p = &t->params[t->n_params];
        p->col = col;
        if (col->type == RC_COL_PHI) {
            int64_t n;
            RC_GOTO(rc_archive_read_strings(path, name, &p->str, &n, &p->width, err));
            RC_CHECK_GOTO(n == t->n_rows, err, RC_ERR_INPUT, "%s: /%s has the wrong shape", path,
                          name);
        } else {
            RC_GOTO(read_numeric(path, name, t->n_rows, &p->num, err));
        }
        if (strcmp(col->name, "N") == 0) t->N_col = t->n_params;
        if (strcmp(col->name, "n_le") == 0) t->nle_col = t->n_params;
        t->n_params++;
    }
    /* groups, in order of first appearance (the job's order) */
    const int64_t n = t->n_rows;
    t->group = rc_calloc((size_t)n + 1, sizeof(int64_t), "groups", err);
    t->first_row = rc_calloc((size_t)n + 1, sizeof(int64_t), "groups", err);
    t->n_done = rc_calloc((size_t)n + 1, sizeof(int64_t), "groups", err);
    t->n_tasks = rc_calloc((size_t)n + 1, sizeof(int64_t), "groups", err);
    t->n_failed = rc_calloc((size_t)n + 1, sizeof(int64_t), "groups", err);
    t->n_pending = rc_calloc((size_t)n + 1, sizeof(int64_t), "groups", err);
    RC_CHECK_GOTO(t->group && t->first_row && t->n_done && t->n_tasks && t->n_failed &&
                      t->n_pending,
                  err, RC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; ++i) {
        int64_t g = 0;
        while (g < t->n_groups && !rows_equal(t, t->first_row[g], i, 0)) ++g;
        if (g == t->n_groups) t->first_row[t->n_groups++] = i;
        t->group[i] = g;
        t->n_tasks[g]++;
        t->n_done[g] += t->status[i] == RC_TASK_DONE;
        t->n_failed[g] += t->status[i] == RC_TASK_FAILED;
        t->n_pending[g] += t->status[i] == RC_TASK_PENDING;
    }
    /* quantities */
    t->q = kind_quantities(kind->name);
    while (t->q && t->q[t->n_q].name) t->n_q++;
    t->values = rc_calloc((size_t)t->n_q + 1, sizeof(double *), "quantities", err);
    t->stats = rc_calloc((size_t)t->n_q + 1, sizeof(rc_summary *), "quantities", err);
    RC_CHECK_GOTO(t->values && t->stats, err, RC_ERR_NOMEM, "out of memory");
    double *x = rc_calloc((size_t)n + 1, sizeof(double), "quantities", err);
    RC_CHECK_GOTO(x, err, RC_ERR_NOMEM, "out of memory");
    for (int k = 0; k < t->n_q && st == RC_OK; ++k) {
        const quantity *q = &t->q[k];
        snprintf(name, sizeof name, "%s/%s", kind->name, q->dataset);
        st = q->bound ? read_bound(path, name, n, q->bound, &t->values[k], err)
                      : read_numeric(path, name, n, &t->values[k], err);
        if (st != RC_OK) break;
        RC_CHECK_GOTO(!q->per_N || t->N_col >= 0, err, RC_ERR_INPUT, "%s: /%s has no N", path,
                      kind->name);
        for (int64_t i = 0; i < n; ++i) {
            if (t->status[i] != RC_TASK_DONE) t->values[k][i] = NAN;
            if (q->per_N) t->values[k][i] /= t->params[t->N_col].num[i];
        }
        t->stats[k] = rc_calloc((size_t)t->n_groups + 1, sizeof(rc_summary), "statistics", err);
        if (!t->stats[k]) {
            st = RC_ERR_NOMEM;
            break;
        }
        for (int64_t g = 0; g < t->n_groups && st == RC_OK; ++g) {
            int64_t m = 0;
            for (int64_t i = 0; i < n; ++i)
                if (t->group[i] == g && t->status[i] == RC_TASK_DONE) x[m++] = t->values[k][i];
            st = q->bound ? rc_summarize_bounds(x, m, &t->stats[k][g], err)
                          : rc_summarize(x, m, &t->stats[k][g], err);
        }
    }
    free(x);
cleanup:
    if (st != RC_OK) kind_table_free(t);
    return st;
}

/* ---- fits ----------------------------------------------------------------------------------- */

typedef struct {
    const kind_table *t;
    int64_t family_row; /* a row of the family (its parameters, N aside) */
    char x[32], y[48], model[16], on[16];
    rc_linfit fit;
    int64_t n_skipped;
    int constant; /* y/N-type fits: 1 slope CI contains 0, 0 not; -1 not applicable */
    double lack_of_fit_p; /* linear fits: p of the lack-of-fit F test; NaN where it does not apply */
} fit_entry;

typedef struct {
    fit_entry *e;
    int64_t n, cap;
} fit_list;

static rc_status fits_push(fit_list *l, const fit_entry *e, rc_error *err)
{
    if (l->n == l->cap) {
        int64_t cap = l->cap ? 2 * l->cap : 16;
        fit_entry *p = realloc(l->e, (size_t)cap * sizeof *p);
        RC_CHECK(p, err, RC_ERR_NOMEM, "out of memory");
        l->e = p;
        l->cap = cap;
    }
    l->e[l->n++] = *e;
    return RC_OK;
}

static int quantity_index(const kind_table *t, const char *name)
{
    for (int k = 0; k < t->n_q; ++k)
        if (strcmp(t->q[k].name, name) == 0) return k;
    return -1;
}

/* Number of distinct finite x among the m points. */
static int64_t distinct(const double *x, int64_t m)
{
    int64_t d = 0;
    for (int64_t i = 0; i < m; ++i) {
        int seen = 0;
        for (int64_t j = 0; j < i && !seen; ++j) seen = x[j] == x[i];
        d += !seen && isfinite(x[i]);
    }
    return d;
}

/* Fits of one family (rows with family_of[i] == f). */
static rc_status family_fits(const kind_table *t, const int64_t *family_of, int64_t f,
                             int64_t family_row, fit_list *out, rc_error *err)
{
    const int64_t n = t->n_rows;
    const double *N = t->params[t->N_col].num;
    rc_status st = RC_OK;
    double *x = rc_calloc((size_t)(2 * n + 2), sizeof(double), "fit points", err);
    double *y = x ? x + n + 1 : NULL;
    if (!x) return RC_ERR_NOMEM;
    const int spectrum = strcmp(t->kind->name, "spectrum") == 0;
    const int gcrit = strcmp(t->kind->name, "gcrit") == 0;
    if (spectrum) {
        static const char *const ys[4] = {"entropy_H", "entropy_H_per_N", "dim_ky", "dim_ky_per_N"};
        for (int j = 0; j < 4; ++j) {
            const int k = quantity_index(t, ys[j]);
            if (k < 0) continue;
            int64_t m = 0;
            for (int64_t i = 0; i < n; ++i)
                if (family_of[i] == f && isfinite(t->values[k][i])) {
                    x[m] = N[i];
                    y[m++] = t->values[k][i];
                }
            if (distinct(x, m) < 3) continue;
            fit_entry e;
            memset(&e, 0, sizeof e);
            e.t = t;
            e.family_row = family_row;
            snprintf(e.x, sizeof e.x, "N");
            snprintf(e.y, sizeof e.y, "%s", ys[j]);
            snprintf(e.model, sizeof e.model, "linear");
            snprintf(e.on, sizeof e.on, "realizations");
            e.n_skipped = 0;
            if (rc_fit_linear(x, y, m, &e.fit, err) != RC_OK) continue; /* degenerate data */
            e.constant = strstr(ys[j], "_per_N")
                             ? (e.fit.slope_ci_lo <= 0.0 && e.fit.slope_ci_hi >= 0.0)
                             : -1;
            e.lack_of_fit_p = rc_lack_of_fit_p(x, y, m, &e.fit);
            RC_GOTO(fits_push(out, &e, err));
        }
    }
    if (gcrit) {
        const int k = quantity_index(t, "g_crit");
        const int klo = quantity_index(t, "g_crit_lower"), khi = quantity_index(t, "g_crit_upper");
        /* 0: every decided realisation; 1: the decided medians; 2: the centres of the median
         * bounds over all single-crossing realisations (undecided and beyond-g_hi ones too,
         * whose exclusion biases the decided medians), where both bounds are finite */
        for (int on_medians = 0; on_medians < 3 && k >= 0; ++on_medians) {
            int64_t m = 0;
            if (on_medians == 2) {
                if (klo < 0 || khi < 0) continue;
                for (int64_t g = 0; g < t->n_groups; ++g) {
                    const double lo = t->stats[klo][g].median, hi = t->stats[khi][g].median;
                    if (family_of[t->first_row[g]] == f && isfinite(lo) && isfinite(hi)) {
                        x[m] = N[t->first_row[g]];
                        y[m++] = 0.5 * (lo + hi) - 1.0;
                    }
                }
            } else if (!on_medians) {
                for (int64_t i = 0; i < n; ++i)
                    if (family_of[i] == f && t->status[i] == RC_TASK_DONE &&
                        isfinite(t->values[k][i])) {
                        x[m] = N[i];
                        y[m++] = t->values[k][i] - 1.0;
                    }
            } else {
                for (int64_t g = 0; g < t->n_groups; ++g)
                    if (family_of[t->first_row[g]] == f && t->stats[k][g].n > 0) {
                        x[m] = N[t->first_row[g]];
                        y[m++] = t->stats[k][g].median - 1.0;
                    }
            }
            fit_entry e;
            memset(&e, 0, sizeof e);
            e.t = t;
            e.family_row = family_row;
            snprintf(e.x, sizeof e.x, "N");
            snprintf(e.y, sizeof e.y, "g_crit - 1");
            snprintf(e.model, sizeof e.model, "power_law");
            snprintf(e.on, sizeof e.on, "%s",
                     on_medians == 2 ? "median_bounds" : on_medians ? "medians" : "realizations");
            e.constant = -1;
            e.lack_of_fit_p = NAN;
            /* points with g_crit <= 1 cannot enter log(g_crit - 1): counted in n_skipped */
            int64_t usable = 0;
            double *ux = rc_calloc((size_t)m + 1, sizeof(double), "fit points", err);
            if (!ux) {
                st = RC_ERR_NOMEM;
                goto cleanup;
            }
            for (int64_t i = 0; i < m; ++i)
                if (y[i] > 0) ux[usable++] = x[i];
            const int64_t d = distinct(ux, usable);
            free(ux);
            if (d < 3) continue;
            if (rc_fit_power_law(x, y, m, &e.fit, &e.n_skipped, err) != RC_OK) continue;
            RC_GOTO(fits_push(out, &e, err));
        }
    }
cleanup:
    free(x);
    return st;
}

static rc_status kind_fits(const kind_table *t, fit_list *out, rc_error *err)
{
    if (t->N_col < 0 || t->n_rows == 0) return RC_OK;
    if (strcmp(t->kind->name, "spectrum") != 0 && strcmp(t->kind->name, "gcrit") != 0)
        return RC_OK;
    int64_t *family_of = rc_calloc((size_t)t->n_rows + 1, sizeof(int64_t), "families", err);
    int64_t *first = rc_calloc((size_t)t->n_rows + 1, sizeof(int64_t), "families", err);
    rc_status st = RC_OK;
    if (!family_of || !first) {
        free(family_of);
        free(first);
        return RC_ERR_NOMEM;
    }
    int64_t nf = 0;
    for (int64_t i = 0; i < t->n_rows; ++i) {
        int64_t f = 0;
        while (f < nf && !rows_equal(t, first[f], i, 1)) ++f;
        if (f == nf) first[nf++] = i;
        family_of[i] = f;
    }
    for (int64_t f = 0; f < nf && st == RC_OK; ++f)
        st = family_fits(t, family_of, f, first[f], out, err);
    free(family_of);
    free(first);
    return st;
}


/* ---- N -> infinity references for the spectrum groups ---------------------------------------- */

/* One row of /summary/theory: the mean-field theory at (phi, sigma, dt, g). */
typedef struct {
    char phi[16];
    double sigma, dt;
    int discrete;
    int grid;      /* 1: a grid point between the groups' g, 0: the g of a group */
    rc_dmft_row row;
} theory_row;

/* The RMT reference spectrum of one spectrum group (tanh, sigma = 0). */
typedef struct {
    int64_t group, N;
    double g, dt, mean_exponent;
    int has_spectrum;
    double *lambda; /* N values when has_spectrum */
} rmt_row;

typedef struct {
    theory_row *rows;
    int64_t n;
    rmt_row *rmt;
    int64_t n_rmt, max_N;
} theory_table;

static void theory_free(theory_table *th)
{
    for (int64_t i = 0; i < th->n_rmt; ++i) free(th->rmt[i].lambda);
    free(th->rmt);
    free(th->rows);
    memset(th, 0, sizeof *th);
}

static const param_data *find_param(const kind_table *t, const char *name)
{
    for (int p = 0; p < t->n_params; ++p)
        if (strcmp(t->params[p].col->name, name) == 0) return &t->params[p];
    return NULL;
}

static double num_at(const param_data *p, int64_t row, double missing)
{
    return p && p->num ? p->num[row] : missing;
}

/* The classic network the references describe: no balance, no common input, tau = 1. */
static int classic_group(const kind_table *t, int64_t row, char phi[16])
{
    const param_data *ph = find_param(t, "phi");
    if (!ph || !ph->str) return 0;
    snprintf(phi, 16, "%s", ph->str + (size_t)row * ph->width);
    const double b = num_at(find_param(t, "b"), row, 0), sc = num_at(find_param(t, "sigma_c"), row, 0),
                 tau = num_at(find_param(t, "tau"), row, 1), dt = num_at(find_param(t, "dt"), row, NAN);
    if (!(b == 0 && sc == 0 && tau == 1 && dt > 0 && dt <= 1)) return 0;
    return strcmp(phi, "tanh") == 0 || (strcmp(phi, "hardtanh") == 0 && dt == 1);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static rc_status theory_push(theory_table *th, int64_t *cap, const theory_row *r, rc_error *err)
{
    if (th->n == *cap) {
        int64_t c = *cap ? 2 * *cap : 32;
        theory_row *p = realloc(th->rows, (size_t)c * sizeof *p);
        RC_CHECK(p, err, RC_ERR_NOMEM, "out of memory");
        th->rows = p;
        *cap = c;
    }
    th->rows[th->n++] = *r;
    return RC_OK;
}

#define THEORY_GRID 21 /* points of the smooth curve between the smallest and largest g */

static rc_status build_theory(const kind_table *t, theory_table *th, rc_error *err)
{
    memset(th, 0, sizeof *th);
    if (strcmp(t->kind->name, "spectrum") != 0 || t->n_groups == 0) return RC_OK;
    const param_data *pg = find_param(t, "g"), *ps = find_param(t, "sigma"),
                     *pd = find_param(t, "dt"), *pN = find_param(t, "N");
    if (!pg || !pd || !pN) return RC_OK;
    rc_status st = RC_OK;
    int64_t cap = 0;
    char *done_fam = rc_calloc((size_t)t->n_groups + 1, 1, "theory", err);
    double *gs = rc_calloc((size_t)t->n_groups + THEORY_GRID + 1, sizeof(double), "theory", err);
    int *is_grid = rc_calloc((size_t)t->n_groups + THEORY_GRID + 1, sizeof(int), "theory", err);
    rc_dmft_row *rows = rc_calloc((size_t)t->n_groups + THEORY_GRID + 1, sizeof(rc_dmft_row),
                                  "theory", err);
    RC_CHECK_GOTO(done_fam && gs && is_grid && rows, err, RC_ERR_NOMEM, "out of memory");
    /* mean-field theory: one table per (phi, sigma, dt) */
    for (int64_t g0 = 0; g0 < t->n_groups; ++g0) {
        const int64_t r0 = t->first_row[g0];
        char phi[16];
        if (done_fam[g0] || !classic_group(t, r0, phi)) continue;
        const double sigma = num_at(ps, r0, 0), dt = pd->num[r0];
        int64_t n = 0;
        for (int64_t g = g0; g < t->n_groups; ++g) {
            const int64_t r = t->first_row[g];
            char phi2[16];
            if (done_fam[g] || !classic_group(t, r, phi2) || strcmp(phi, phi2) != 0 ||
                num_at(ps, r, 0) != sigma || pd->num[r] != dt)
                continue;
            done_fam[g] = 1;
            const double gv = pg->num[r];
            int seen = !(gv > 0);
            for (int64_t k = 0; k < n && !seen; ++k) seen = gs[k] == gv;
            if (!seen) {
                is_grid[n] = 0;
                gs[n++] = gv;
            }
        }
        if (n == 0) continue;
        qsort(gs, (size_t)n, sizeof *gs, cmp_double);
        const int64_t n_groups_g = n;
        if (n_groups_g >= 2) { /* a smooth curve between them */
            const double lo = gs[0], hi = gs[n_groups_g - 1];
            for (int k = 1; k < THEORY_GRID - 1; ++k) {
                is_grid[n] = 1;
                gs[n++] = lo + (hi - lo) * k / (THEORY_GRID - 1);
            }
        }
        rc_dmft_params base;
        rc_dmft_params_default(&base);
        base.sigma = sigma;
        base.dt = dt;
        base.phi = strcmp(phi, "tanh") == 0 ? RC_PHI_TANH : RC_PHI_HARDTANH;
        rc_error e2;
        rc_error_clear(&e2);
        if (rc_dmft_table(&base, gs, (size_t)n, rows, &e2) != RC_OK) continue; /* outside it */
        for (int64_t k = 0; k < n; ++k) {
            theory_row tr;
            memset(&tr, 0, sizeof tr);
            snprintf(tr.phi, sizeof tr.phi, "%s", phi);
            tr.sigma = sigma;
            tr.dt = dt;
            tr.discrete = dt == 1;
            tr.grid = is_grid[k];
            tr.row = rows[k];
            RC_GOTO(theory_push(th, &cap, &tr, err));
        }
    }
    /* random-matrix reference spectra: tanh groups without noise */
    th->rmt = rc_calloc((size_t)t->n_groups + 1, sizeof(rmt_row), "rmt references", err);
    RC_CHECK_GOTO(th->rmt, err, RC_ERR_NOMEM, "out of memory");
    for (int64_t g = 0; g < t->n_groups; ++g) {
        const int64_t r = t->first_row[g];
        char phi[16];
        if (!classic_group(t, r, phi) || strcmp(phi, "tanh") != 0 || num_at(ps, r, 0) != 0 ||
            !(pg->num[r] > 0))
            continue;
        rmt_row *x = &th->rmt[th->n_rmt];
        x->group = g;
        x->N = (int64_t)pN->num[r];
        x->g = pg->num[r];
        x->dt = pd->num[r];
        x->lambda = rc_calloc((size_t)x->N + 1, sizeof(double), "rmt spectrum", err);
        RC_CHECK_GOTO(x->lambda, err, RC_ERR_NOMEM, "out of memory");
        rc_rmt_reference ref;
        rc_error e2;
        rc_error_clear(&e2);
        if (rc_rmt_reference_spectrum(x->N, x->g, x->dt, &ref, x->lambda, &e2) != RC_OK) {
            free(x->lambda);
            x->lambda = NULL;
            continue;
        }
        x->has_spectrum = ref.has_spectrum;
        x->mean_exponent = ref.mean_exponent;
        if (x->has_spectrum && x->N > th->max_N) th->max_N = x->N;
        th->n_rmt++;
    }
cleanup:
    free(done_fam);
    free(gs);
    free(is_grid);
    free(rows);
    if (st != RC_OK) theory_free(th);
    return st;
}

static const char *row_status(const rc_dmft_row *r)
{
    return r->status == RC_OK ? "ok" : rc_status_name(r->status);
}

static json_t *theory_json(const theory_table *th)
{
    json_t *a = json_array();
    for (int64_t i = 0; i < th->n; ++i) {
        const theory_row *r = &th->rows[i];
        json_t *o = json_object();
        json_object_set_new(o, "phi", json_string(r->phi));
        json_object_set_new(o, "sigma", json_real(r->sigma));
        json_object_set_new(o, "dt", json_real(r->dt));
        json_object_set_new(o, "theory", json_string(r->discrete ? "map" : "continuous"));
        json_object_set_new(o, "g", json_real(r->row.g));
        json_object_set_new(o, "grid", json_boolean(r->grid));
        json_object_set_new(o, "lambda_max", rc_json_number(r->row.lambda_max));
        json_object_set_new(o, "lambda_max_err", rc_json_number(r->row.lambda_max_err));
        json_object_set_new(o, "delta0", rc_json_number(r->row.delta0));
        json_object_set_new(o, "delta0_err", rc_json_number(r->row.delta0_err));
        json_object_set_new(o, "status", json_string(row_status(&r->row)));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *rmt_json(const theory_table *th)
{
    json_t *a = json_array();
    for (int64_t i = 0; i < th->n_rmt; ++i) {
        const rmt_row *x = &th->rmt[i];
        json_t *o = json_object();
        json_object_set_new(o, "group", json_integer(x->group));
        json_object_set_new(o, "N", json_integer(x->N));
        json_object_set_new(o, "g", json_real(x->g));
        json_object_set_new(o, "dt", json_real(x->dt));
        json_object_set_new(o, "mean_exponent", rc_json_number(x->mean_exponent));
        json_object_set_new(o, "lambda", x->has_spectrum ? rc_json_array(x->lambda, x->N) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static void print_theory(const theory_table *th)
{
    int header = 0;
    for (int64_t i = 0; i < th->n; ++i) {
        const theory_row *r = &th->rows[i];
        if (r->grid) continue;
        if (!header) {
            printf("\nMean-field theory, N -> infinity (dmft.h; continuous: the dt -> 0 flow)\n");
            printf("    %-9s %7s %6s %-10s %8s %14s %11s %12s %11s\n", "phi", "sigma", "dt",
                   "theory", "g", "lambda_1", "+-", "Delta_0", "+-");
            header = 1;
        }
        printf("    %-9s %7.3g %6.3g %-10s %8.4g %14.6g %11.2g %12.6g %11.2g%s%s\n", r->phi,
               r->sigma, r->dt, r->discrete ? "map" : "continuous", r->row.g, r->row.lambda_max,
               r->row.lambda_max_err, r->row.delta0, r->row.delta0_err,
               r->row.status == RC_OK ? "" : "  ", r->row.status == RC_OK ? "" : row_status(&r->row));
    }
    int64_t n_spec = 0;
    for (int64_t i = 0; i < th->n_rmt; ++i) n_spec += th->rmt[i].has_spectrum;
    if (th->n_rmt)
        printf("Random-matrix references: mean exponent log(1 - dt)/dt for %lld tanh groups, "
               "subcritical spectra (g < 1) for %lld\n", (long long)th->n_rmt, (long long)n_spec);
}

static rc_status write_theory(rc_archive_edit *ed, const theory_table *th, rc_error *err)
{
    rc_status st = RC_OK;
    const int64_t n = th->n, m = th->n_rmt;
    const int64_t cap = (n > m ? n : m) + 1;
    double *buf = rc_calloc((size_t)cap, sizeof(double), "theory", err);
    int64_t *ibuf = rc_calloc((size_t)cap, sizeof(int64_t), "theory", err);
    const char **sbuf = rc_calloc((size_t)cap, sizeof(char *), "theory", err);
    double *spec = NULL;
    RC_CHECK_GOTO(buf && ibuf && sbuf, err, RC_ERR_NOMEM, "out of memory");
    if (n > 0) {
        const int64_t d1[1] = {n};
        for (int64_t i = 0; i < n; ++i) sbuf[i] = th->rows[i].phi;
        RC_GOTO(rc_archive_edit_put_strings(ed, "summary/theory/phi", n, sbuf, "transfer function", err));
        for (int64_t i = 0; i < n; ++i) sbuf[i] = row_status(&th->rows[i].row);
        RC_GOTO(rc_archive_edit_put_strings(ed, "summary/theory/status", n, sbuf,
                                            "ok, or why the theory failed at this g (then NaN)", err));
        static const char *const names[7] = {"sigma", "dt", "g", "lambda_max", "lambda_max_err",
                                             "delta0", "delta0_err"};
        static const char *const docs[7] = {
            "white-noise amplitude", "Euler step: < 1 continuous-time theory (dt -> 0), 1 the map",
            "coupling", "mean-field lambda_1 (1/tau; per step for the map)",
            "estimated absolute error of lambda_max", "mean-field Delta_0 = <h^2>",
            "estimated absolute error of delta0"};
        for (int j = 0; j < 7; ++j) {
            for (int64_t i = 0; i < n; ++i) {
                const theory_row *r = &th->rows[i];
                const double v[7] = {r->sigma, r->dt, r->row.g, r->row.lambda_max,
                                     r->row.lambda_max_err, r->row.delta0, r->row.delta0_err};
                buf[i] = v[j];
            }
            char name[64];
            snprintf(name, sizeof name, "summary/theory/%s", names[j]);
            RC_GOTO(rc_archive_edit_put_doubles(ed, name, 1, d1, buf, docs[j], err));
        }
        for (int64_t i = 0; i < n; ++i) ibuf[i] = th->rows[i].grid;
        RC_GOTO(rc_archive_edit_put_int64(ed, "summary/theory/grid", n, ibuf,
                                          "1: a grid point for smooth curves, 0: the g of a group", err));
    }
    if (m > 0) {
        const int64_t d1[1] = {m};
        static const char *const inames[3] = {"group", "N", "has_spectrum"};
        static const char *const idocs[3] = {"row of /summary/spectrum", "units",
                                             "1: g < 1, lambda holds the reference spectrum"};
        for (int j = 0; j < 3; ++j) {
            for (int64_t i = 0; i < m; ++i)
                ibuf[i] = j == 0 ? th->rmt[i].group : j == 1 ? th->rmt[i].N : th->rmt[i].has_spectrum;
            char name[64];
            snprintf(name, sizeof name, "summary/theory/rmt/%s", inames[j]);
            RC_GOTO(rc_archive_edit_put_int64(ed, name, m, ibuf, idocs[j], err));
        }
        static const char *const dnames[3] = {"g", "dt", "mean_exponent"};
        static const char *const ddocs[3] = {"coupling", "Euler step",
                                             "log(1 - dt)/dt: the mean exponent of a chaotic tanh network"};
        for (int j = 0; j < 3; ++j) {
            for (int64_t i = 0; i < m; ++i)
                buf[i] = j == 0 ? th->rmt[i].g : j == 1 ? th->rmt[i].dt : th->rmt[i].mean_exponent;
            char name[64];
            snprintf(name, sizeof name, "summary/theory/rmt/%s", dnames[j]);
            RC_GOTO(rc_archive_edit_put_doubles(ed, name, 1, d1, buf, ddocs[j], err));
        }
        const int64_t L = th->max_N > 0 ? th->max_N : 1;
        spec = rc_calloc((size_t)(m * L), sizeof(double), "rmt spectra", err);
        RC_CHECK_GOTO(spec, err, RC_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; i < m; ++i)
            for (int64_t k = 0; k < L; ++k)
                spec[i * L + k] = th->rmt[i].has_spectrum && k < th->rmt[i].N ? th->rmt[i].lambda[k] : NAN;
        const int64_t d2[2] = {m, L};
        RC_GOTO(rc_archive_edit_put_doubles(ed, "summary/theory/rmt/lambda", 2, d2, spec,
                                            "random-matrix spectrum below the transition (g < 1), "
                                            "descending, NaN-padded", err));
    }
cleanup:
    free(buf);
    free(ibuf);
    free(sbuf);
    free(spec);
    return st;
}

/* ---- output --------------------------------------------------------------------------------- */

static int param_is_int(const param_data *p)
{
    return p->col->type == RC_COL_I64 || p->col->type == RC_COL_INT || p->col->type == RC_COL_U64;
}

static json_t *param_json(const param_data *p, int64_t row)
{
    if (p->str) return json_string(p->str + (size_t)row * p->width);
    if (param_is_int(p) && isfinite(p->num[row])) return json_integer((json_int_t)p->num[row]);
    return rc_json_number(p->num[row]);
}

/* "N=100 g=2" for the parameters that vary among the groups of the kind (N left out when
 * skip_N); "" when nothing varies. */
static void varying_params(const kind_table *t, int64_t row, int skip_N, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int p = 0; p < t->n_params; ++p) {
        if (skip_N && (p == t->N_col || p == t->nle_col)) continue;
        int varies = 0;
        for (int64_t g = 1; g < t->n_groups && !varies; ++g)
            varies = !param_equal(&t->params[p], t->first_row[0], t->first_row[g]);
        if (!varies) continue;
        char v[64];
        if (t->params[p].str)
            snprintf(v, sizeof v, "%s", t->params[p].str + (size_t)row * t->params[p].width);
        else
            snprintf(v, sizeof v, "%.6g", t->params[p].num[row]);
        int k = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "", t->params[p].col->name, v);
        if (k < 0 || (size_t)k >= len - used) break;
        used += (size_t)k;
    }
}

static json_t *stats_json(const rc_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "median", rc_json_number(s->median));
    json_object_set_new(o, "mean", rc_json_number(s->mean));
    json_object_set_new(o, "std", rc_json_number(s->std));
    json_object_set_new(o, "p20", rc_json_number(s->p20));
    json_object_set_new(o, "p80", rc_json_number(s->p80));
    json_object_set_new(o, "n", json_integer(s->n));
    json_object_set_new(o, "n_nonfinite", json_integer(s->n_nonfinite));
    return o;
}

static json_t *params_json(const kind_table *t, int64_t row, int skip_N)
{
    json_t *o = json_object();
    for (int p = 0; p < t->n_params; ++p) {
        if (skip_N && (p == t->N_col || p == t->nle_col)) continue;
        json_object_set_new(o, t->params[p].col->name, param_json(&t->params[p], row));
    }
    return o;
}

static json_t *summary_json(const char *path, const kind_table *tables, int n_tables,
                            const fit_list *fits, const theory_table *th)
{
    json_t *o = json_object();
    json_object_set_new(o, "archive", json_string(path));
    json_t *groups = json_array();
    for (int k = 0; k < n_tables; ++k) {
        const kind_table *t = &tables[k];
        for (int64_t g = 0; g < t->n_groups; ++g) {
            json_t *e = json_object();
            json_object_set_new(e, "kind", json_string(t->kind->name));
            json_object_set_new(e, "params", params_json(t, t->first_row[g], 0));
            json_object_set_new(e, "n", json_integer(t->n_done[g]));
            json_object_set_new(e, "n_tasks", json_integer(t->n_tasks[g]));
            json_object_set_new(e, "n_failed", json_integer(t->n_failed[g]));
            json_object_set_new(e, "n_pending", json_integer(t->n_pending[g]));
            for (int q = 0; q < t->n_q; ++q)
                json_object_set_new(e, t->q[q].name, stats_json(&t->stats[q][g]));
            json_array_append_new(groups, e);
        }
    }
    json_object_set_new(o, "groups", groups);
    json_t *fa = json_array();
    for (int64_t i = 0; i < fits->n; ++i) {
        const fit_entry *f = &fits->e[i];
        json_t *e = json_object();
        json_object_set_new(e, "kind", json_string(f->t->kind->name));
        json_object_set_new(e, "params", params_json(f->t, f->family_row, 1));
        json_object_set_new(e, "x", json_string(f->x));
        json_object_set_new(e, "y", json_string(f->y));
        json_object_set_new(e, "model", json_string(f->model));
        json_object_set_new(e, "on", json_string(f->on));
        json_object_set_new(e, "n", json_integer(f->fit.n));
        json_object_set_new(e, "n_skipped", json_integer(f->n_skipped));
        json_object_set_new(e, "slope", rc_json_number(f->fit.slope));
        json_object_set_new(e, "slope_se", rc_json_number(f->fit.slope_se));
        json_object_set_new(e, "slope_ci", rc_json_ci(f->fit.slope_ci_lo, f->fit.slope_ci_hi));
        json_object_set_new(e, "intercept", rc_json_number(f->fit.intercept));
        json_object_set_new(e, "intercept_se", rc_json_number(f->fit.intercept_se));
        json_object_set_new(e, "intercept_ci",
                            rc_json_ci(f->fit.intercept_ci_lo, f->fit.intercept_ci_hi));
        json_object_set_new(e, "residual_sd", rc_json_number(f->fit.residual_sd));
        json_object_set_new(e, "constant", f->constant < 0 ? json_null() : json_boolean(f->constant));
        json_object_set_new(e, "lack_of_fit_p", rc_json_number(f->lack_of_fit_p));
        json_array_append_new(fa, e);
    }
    json_object_set_new(o, "fits", fa);
    json_object_set_new(o, "theory", theory_json(th));
    json_object_set_new(o, "rmt", rmt_json(th));
    return o;
}

/* The verdict on y = a + b N for an extensive quantity (H or D against N).  A nonzero intercept
 * is the usual finite-size form, y/N = b + a/N, which is why y/N can drift with N while y is
 * linear in N; the lack-of-fit test says whether the line describes the group means at all. */
static void extensive_verdict(const fit_entry *f, char *buf, size_t len)
{
    const rc_linfit *r = &f->fit;
    char p[48] = "";
    if (isfinite(f->lack_of_fit_p)) snprintf(p, sizeof p, "lack-of-fit p = %.2g", f->lack_of_fit_p);
    if (isfinite(f->lack_of_fit_p) && f->lack_of_fit_p < 0.05)
        snprintf(buf, len, "  -> NOT linear in N (%s)", p);
    else if (r->intercept_ci_lo <= 0.0 && r->intercept_ci_hi >= 0.0)
        snprintf(buf, len, "  -> proportional to N (%s%sintercept CI contains 0)", p, p[0] ? ", " : "");
    else
        snprintf(buf, len, "  -> linear in N with an offset (%s%sintercept CI excludes 0): y/N = b + a/N "
                 "tends to b as 1/N", p, p[0] ? ", " : "");
}

static void print_tables(const char *path, const kind_table *tables, int n_tables,
                         const fit_list *fits)
{
    printf("Summary of %s: statistics over realisations (tasks with status done)\n", path);
    for (int k = 0; k < n_tables; ++k) {
        const kind_table *t = &tables[k];
        char fixed[512] = "";
        size_t used = 0;
        for (int p = 0; p < t->n_params && t->n_groups > 0; ++p) {
            int varies = 0;
            for (int64_t g = 1; g < t->n_groups && !varies; ++g)
                varies = !param_equal(&t->params[p], t->first_row[0], t->first_row[g]);
            const char *nm = t->params[p].col->name;
            /* the common physics parameters, not every run option */
            static const char *const shown[] = {"N", "g", "b", "phi", "dt", "I0", "sigma",
                                                "sigma_c", "n_le", "g_lo", "g_hi", "t_sim", NULL};
            int show = 0;
            for (int s = 0; shown[s]; ++s) show |= strcmp(shown[s], nm) == 0;
            if (varies || !show) continue;
            char v[64];
            if (t->params[p].str)
                snprintf(v, sizeof v, "%s", t->params[p].str);
            else
                snprintf(v, sizeof v, "%.6g", t->params[p].num[t->first_row[0]]);
            int w = snprintf(fixed + used, sizeof fixed - used, " %s=%s", nm, v);
            if (w > 0 && (size_t)w < sizeof fixed - used) used += (size_t)w;
        }
        printf("\n[%s] %lld tasks in %lld groups; same in every group:%s\n", t->kind->name,
               (long long)t->n_rows, (long long)t->n_groups, fixed[0] ? fixed : " -");
        for (int q = 0; q < t->n_q; ++q) {
            printf("  %s (%s)\n", t->q[q].name, t->q[q].doc);
            printf("    %-28s %4s %12s %12s %11s %12s %12s\n", "group", "n", "median", "mean",
                   "std", "p20", "p80");
            for (int64_t g = 0; g < t->n_groups; ++g) {
                const rc_summary *s = &t->stats[q][g];
                char desc[256];
                varying_params(t, t->first_row[g], 0, desc, sizeof desc);
                printf("    %-28s %4lld %12.5g %12.5g %11.3g %12.5g %12.5g", desc[0] ? desc : "(all)",
                       (long long)s->n, s->median, s->mean, s->std, s->p20, s->p80);
                if (s->n_nonfinite) printf("  (%lld NaN)", (long long)s->n_nonfinite);
                if (t->n_done[g] < t->n_tasks[g])
                    printf("  [%lld of %lld done]", (long long)t->n_done[g], (long long)t->n_tasks[g]);
                printf("\n");
            }
        }
    }
    if (fits->n) printf("\nFits (OLS over realisations, 95%% CIs from Student's t)\n");
    for (int64_t i = 0; i < fits->n; ++i) {
        const fit_entry *f = &fits->e[i];
        char fam[256];
        varying_params(f->t, f->family_row, 1, fam, sizeof fam);
        const rc_linfit *r = &f->fit;
        char verdict[192] = "";
        if (f->constant < 0 && strcmp(f->model, "linear") == 0) extensive_verdict(f, verdict, sizeof verdict);
        if (strcmp(f->model, "power_law") == 0)
            printf("  [%s%s%s] %s ~ A N^alpha (log-log, on %s): alpha = %.4g, 95%% CI [%.4g, %.4g], "
                   "A = %.4g, n = %lld%s\n",
                   f->t->kind->name, fam[0] ? " " : "", fam, f->y, f->on, r->slope,
                   r->slope_ci_lo, r->slope_ci_hi, exp(r->intercept), (long long)r->n,
                   f->n_skipped ? " (g_crit <= 1 left out)" : "");
        else
            printf("  [%s%s%s] %s = a + b N: b = %.5g, 95%% CI [%.5g, %.5g], a = %.4g [%.4g, %.4g], "
                   "n = %lld%s\n",
                   f->t->kind->name, fam[0] ? " " : "", fam, f->y, r->slope, r->slope_ci_lo,
                   r->slope_ci_hi, r->intercept, r->intercept_ci_lo, r->intercept_ci_hi,
                   (long long)r->n,
                   f->constant == 1   ? "  -> consistent with constant across N (slope CI contains 0)"
                   : f->constant == 0 ? "  -> NOT constant across N"
                                      : verdict);
    }
}

/* ---- /summary ------------------------------------------------------------------------------- */

static rc_status write_kind(rc_archive_edit *ed, const kind_table *t, rc_error *err)
{
    char name[256];
    const int64_t ng = t->n_groups;
    const int64_t dims1[1] = {ng};
    rc_status st = RC_OK;
    double *buf = rc_calloc((size_t)ng + 1, sizeof(double), "summary column", err);
    int64_t *ibuf = rc_calloc((size_t)(ng > t->n_rows ? ng : t->n_rows) + 1, sizeof(int64_t),
                              "summary column", err);
    const char **sbuf = rc_calloc((size_t)ng + 1, sizeof(char *), "summary column", err);
    RC_CHECK_GOTO(buf && ibuf && sbuf, err, RC_ERR_NOMEM, "out of memory");
    for (int p = 0; p < t->n_params; ++p) {
        const param_data *pd = &t->params[p];
        snprintf(name, sizeof name, "summary/%s/params/%s", t->kind->name, pd->col->name);
        if (pd->str) {
            for (int64_t g = 0; g < ng; ++g) sbuf[g] = pd->str + (size_t)t->first_row[g] * pd->width;
            RC_GOTO(rc_archive_edit_put_strings(ed, name, ng, sbuf, pd->col->doc, err));
        } else if (param_is_int(pd)) {
            for (int64_t g = 0; g < ng; ++g) ibuf[g] = (int64_t)pd->num[t->first_row[g]];
            RC_GOTO(rc_archive_edit_put_int64(ed, name, ng, ibuf, pd->col->doc, err));
        } else {
            for (int64_t g = 0; g < ng; ++g) buf[g] = pd->num[t->first_row[g]];
            RC_GOTO(rc_archive_edit_put_doubles(ed, name, 1, dims1, buf, pd->col->doc, err));
        }
    }
    const int64_t *counts[4] = {t->n_done, t->n_tasks, t->n_failed, t->n_pending};
    static const char *const cnames[4] = {"n", "n_tasks", "n_failed", "n_pending"};
    static const char *const cdocs[4] = {"done tasks of the group (the sample size)",
                                         "tasks of the group", "failed tasks", "pending tasks"};
    for (int j = 0; j < 4; ++j) {
        snprintf(name, sizeof name, "summary/%s/%s", t->kind->name, cnames[j]);
        RC_GOTO(rc_archive_edit_put_int64(ed, name, ng, counts[j], cdocs[j], err));
    }
    snprintf(name, sizeof name, "summary/%s/group", t->kind->name);
    RC_GOTO(rc_archive_edit_put_int64(ed, name, t->n_rows, t->group,
                                      "group (row of this table) of each task row of the kind", err));
    static const char *const stat_names[6] = {"median", "mean", "std", "p20", "p80", "n"};
    for (int q = 0; q < t->n_q; ++q) {
        for (int j = 0; j < 6; ++j) {
            snprintf(name, sizeof name, "summary/%s/%s/%s", t->kind->name, t->q[q].name,
                     stat_names[j]);
            for (int64_t g = 0; g < ng; ++g) {
                const rc_summary *s = &t->stats[q][g];
                const double v[5] = {s->median, s->mean, s->std, s->p20, s->p80};
                if (j < 5)
                    buf[g] = v[j];
                else
                    ibuf[g] = s->n;
            }
            if (j < 5)
                RC_GOTO(rc_archive_edit_put_doubles(ed, name, 1, dims1, buf, t->q[q].doc, err));
            else
                RC_GOTO(rc_archive_edit_put_int64(ed, name, ng, ibuf,
                                                  "finite values in the statistics", err));
        }
    }
cleanup:
    free(buf);
    free(ibuf);
    free(sbuf);
    return st;
}

static rc_status write_fits(rc_archive_edit *ed, const fit_list *fits, rc_error *err)
{
    const int64_t n = fits->n;
    if (n == 0) return RC_OK;
    rc_status st = RC_OK;
    const int64_t d1[1] = {n}, d2[2] = {n, 2};
    double *buf = rc_calloc((size_t)(2 * n), sizeof(double), "fits", err);
    int64_t *ibuf = rc_calloc((size_t)n, sizeof(int64_t), "fits", err);
    const char **sbuf = rc_calloc((size_t)n, sizeof(char *), "fits", err);
    char *fam = rc_calloc((size_t)n, 256, "fits", err);
    RC_CHECK_GOTO(buf && ibuf && sbuf && fam, err, RC_ERR_NOMEM, "out of memory");
    for (int j = 0; j < 6; ++j) {
        static const char *const names[6] = {"kind", "x", "y", "model", "on", "family"};
        static const char *const docs[6] = {
            "task kind", "abscissa", "ordinate (g_crit - 1: fitted as log against log N)",
            "linear: y = a + b x; power_law: y = A x^alpha (slope = alpha, intercept = log A)",
            "points: every realisation, the group medians, or the centres of the median bounds",
            "parameters that vary between the kind's families (N aside)"};
        for (int64_t i = 0; i < n; ++i) {
            const fit_entry *f = &fits->e[i];
            if (j == 5) {
                varying_params(f->t, f->family_row, 1, fam + 256 * i, 256);
                sbuf[i] = fam + 256 * i;
            } else {
                sbuf[i] = j == 0 ? f->t->kind->name : j == 1 ? f->x : j == 2 ? f->y
                          : j == 3 ? f->model : f->on;
            }
        }
        char name[64];
        snprintf(name, sizeof name, "summary/fits/%s", names[j]);
        RC_GOTO(rc_archive_edit_put_strings(ed, name, n, sbuf, docs[j], err));
    }
    for (int j = 0; j < 6; ++j) {
        static const char *const names[6] = {"slope", "slope_se", "intercept", "intercept_se",
                                             "residual_sd", "slope_ci"};
        char name[64];
        snprintf(name, sizeof name, "summary/fits/%s", names[j]);
        for (int64_t i = 0; i < n; ++i) {
            const rc_linfit *r = &fits->e[i].fit;
            const double v[5] = {r->slope, r->slope_se, r->intercept, r->intercept_se,
                                 r->residual_sd};
            if (j < 5) {
                buf[i] = v[j];
            } else {
                buf[2 * i] = r->slope_ci_lo;
                buf[2 * i + 1] = r->slope_ci_hi;
            }
        }
        RC_GOTO(rc_archive_edit_put_doubles(ed, name, j < 5 ? 1 : 2, j < 5 ? d1 : d2, buf,
                                            j < 5 ? "OLS estimate" : "95% CI [lo, hi] of the slope",
                                            err));
    }
    for (int64_t i = 0; i < n; ++i) {
        buf[2 * i] = fits->e[i].fit.intercept_ci_lo;
        buf[2 * i + 1] = fits->e[i].fit.intercept_ci_hi;
    }
    RC_GOTO(rc_archive_edit_put_doubles(ed, "summary/fits/intercept_ci", 2, d2, buf,
                                        "95% CI [lo, hi] of the intercept", err));
    for (int64_t i = 0; i < n; ++i) buf[i] = fits->e[i].lack_of_fit_p;
    RC_GOTO(rc_archive_edit_put_doubles(ed, "summary/fits/lack_of_fit_p", 1, d1, buf,
                                        "linear fits: p-value of the lack-of-fit F test (group means "
                                        "about the line against the scatter within groups); NaN "
                                        "where it does not apply", err));
    for (int j = 0; j < 3; ++j) {
        static const char *const names[3] = {"n", "n_skipped", "constant"};
        static const char *const docs[3] = {
            "points fitted", "points left out (g_crit <= 1 has no logarithm)",
            "fits of y/N: 1 the slope CI contains 0 (constant across N), 0 not; -1 other fits"};
        for (int64_t i = 0; i < n; ++i)
            ibuf[i] = j == 0 ? fits->e[i].fit.n : j == 1 ? fits->e[i].n_skipped : fits->e[i].constant;
        char name[64];
        snprintf(name, sizeof name, "summary/fits/%s", names[j]);
        RC_GOTO(rc_archive_edit_put_int64(ed, name, n, ibuf, docs[j], err));
    }
cleanup:
    free(buf);
    free(ibuf);
    free(sbuf);
    free(fam);
    return st;
}

static rc_status write_summary(const char *path, const kind_table *tables, int n_tables,
                               const fit_list *fits, const theory_table *th, rc_error *err)
{
    rc_archive_edit *ed = NULL;
    RC_TRY(rc_archive_edit_open(path, &ed, err));
    rc_status st = RC_OK;
    RC_GOTO(rc_archive_edit_remove(ed, "summary", err));
    for (int k = 0; k < n_tables; ++k) RC_GOTO(write_kind(ed, &tables[k], err));
    RC_GOTO(write_fits(ed, fits, err));
    RC_GOTO(write_theory(ed, th, err));
    if (n_tables == 0) {
        const int64_t zero = 0;
        RC_GOTO(rc_archive_edit_put_int64(ed, "summary/n_kinds", 1, &zero, "no task kinds", err));
    }
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    RC_GOTO(rc_archive_edit_put_attr(ed, "summary", "created", date, err));
    RC_GOTO(rc_archive_edit_put_attr(ed, "summary", "program_version", RC_VERSION_STRING, err));
    RC_GOTO(rc_archive_edit_put_attr(ed, "summary", "description",
                                     "written by rnnchaos summarize: statistics over realisations "
                                     "per parameter group, and finite-size fits",
                                     err));
cleanup:;
    rc_status cst = rc_archive_edit_close(ed, st == RC_OK ? err : NULL);
    return st != RC_OK ? st : cst;
}

/* ---- the command ---------------------------------------------------------------------------- */

int rc_cmd_summarize(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    const char *path = NULL;
    int json = 0, no_write = 0, no_theory = 0;
    for (int i = 0; i < argc; ++i) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(summarize_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--no-write") == 0) {
            no_write = 1;
        } else if (strcmp(argv[i], "--no-theory") == 0) {
            no_theory = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            rc_fail(&err, RC_ERR_INPUT, "unknown option %s (see rnnchaos summarize --help)",
                    argv[i]);
            return rc_cli_report("summarize", &err);
        } else if (path) {
            rc_fail(&err, RC_ERR_INPUT, "one archive expected, got '%s' and '%s'", path, argv[i]);
            return rc_cli_report("summarize", &err);
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        rc_fail(&err, RC_ERR_INPUT, "missing the archive (usage: rnnchaos summarize ARCHIVE.h5 "
                "[--json])");
        return rc_cli_report("summarize", &err);
    }
    rc_archive_info info;
    if (rc_archive_info_read(path, &info, &err) != RC_OK) return rc_cli_report("summarize", &err);
    kind_table tables[8];
    int n_tables = 0;
    fit_list fits = {NULL, 0, 0};
    rc_status st = RC_OK;
    for (int k = 0; k < info.n_kinds && st == RC_OK && n_tables < 8; ++k) {
        const int code = rc_task_kind_find(info.kinds[k].kind);
        if (code < 0) continue; /* a kind this program does not know */
        st = load_kind(path, rc_task_kind_get(code), &tables[n_tables], &err);
        if (st == RC_OK) n_tables++;
    }
    rc_archive_info_free(&info);
    for (int k = 0; k < n_tables && st == RC_OK; ++k) st = kind_fits(&tables[k], &fits, &err);
    theory_table th;
    memset(&th, 0, sizeof th);
    for (int k = 0; k < n_tables && st == RC_OK && !no_theory; ++k)
        if (strcmp(tables[k].kind->name, "spectrum") == 0) st = build_theory(&tables[k], &th, &err);
    int code = 0;
    if (st != RC_OK) {
        code = rc_cli_report("summarize", &err);
    } else {
        if (!no_write && write_summary(path, tables, n_tables, &fits, &th, &err) != RC_OK) {
            code = rc_cli_report("summarize", &err);
            if (code == 2) code = 1; /* the archive was readable: writing it failed */
        }
        if (json) {
            json_t *o = summary_json(path, tables, n_tables, &fits, &th);
            if (!o || rc_json_print(o) != 0) code = 1;
            json_decref(o);
        } else {
            print_tables(path, tables, n_tables, &fits);
            print_theory(&th);
            if (!no_write && code == 0) printf("\n(written to %s:/summary)\n", path);
        }
    }
    for (int k = 0; k < n_tables; ++k) kind_table_free(&tables[k]);
    theory_free(&th);
    free(fits.e);
    return code;
}
