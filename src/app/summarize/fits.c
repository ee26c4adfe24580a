/* summarize: the finite-size fits of each family (groups that differ only in N), every fit an
 * OLS fit of the realisations' values (fit.h), so its CI reflects the scatter between networks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/archive.h"
#include "summarize.h"

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

/* A fit of ordinate y against N, of the given model, on "realizations", "medians", ... */
static fit_entry fit_start(const kind_table *t, int64_t family_row, const char *y,
                           const char *model, const char *on)
{
    fit_entry e;
    memset(&e, 0, sizeof e);
    e.t = t;
    e.family_row = family_row;
    snprintf(e.x, sizeof e.x, "N");
    snprintf(e.y, sizeof e.y, "%s", y);
    snprintf(e.model, sizeof e.model, "%s", model);
    snprintf(e.on, sizeof e.on, "%s", on);
    return e;
}

/* y = a + b N over the realisations of the family (RC_SUMMARY_FIT_LINEAR). */
static rc_status linear_fit(const kind_table *t, const int64_t *family_of, int64_t f,
                            int64_t family_row, const rc_summary_fit *sf, double *x, double *y,
                            fit_list *out, rc_error *err)
{
    const double *N = t->params[t->N_col].num;
    const int k = quantity_index(t, sf->quantity);
    if (k < 0) return RC_OK;
    int64_t m = 0;
    for (int64_t i = 0; i < t->n_rows; ++i)
        if (family_of[i] == f && isfinite(t->values[k][i])) {
            x[m] = N[i];
            y[m++] = t->values[k][i];
        }
    if (rc_count_distinct(x, m) < 3) return RC_OK;
    fit_entry e = fit_start(t, family_row, sf->quantity, "linear", "realizations");
    if (rc_fit_linear(x, y, m, &e.fit, err) != RC_OK) return RC_OK; /* degenerate data */
    e.constant = t->q[k].per_N ? (e.fit.slope_ci_lo <= 0.0 && e.fit.slope_ci_hi >= 0.0) : -1;
    e.lack_of_fit_p = rc_lack_of_fit_p(x, y, m, &e.fit);
    return fits_push(out, &e, err);
}

/* log(y - 1) against log N (RC_SUMMARY_FIT_CRITICAL_POWER_LAW). */
static rc_status critical_power_law_fits(const kind_table *t, const int64_t *family_of, int64_t f,
                                         int64_t family_row, const rc_summary_fit *sf, double *x,
                                         double *y, fit_list *out, rc_error *err)
{
    const int64_t n = t->n_rows;
    const double *N = t->params[t->N_col].num;
    const int k = quantity_index(t, sf->quantity);
    const int klo = sf->lower ? quantity_index(t, sf->lower) : -1;
    const int khi = sf->upper ? quantity_index(t, sf->upper) : -1;
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
        char yname[48];
        snprintf(yname, sizeof yname, "%s - 1", sf->quantity);
        fit_entry e = fit_start(t, family_row, yname, "power_law",
                                on_medians == 2 ? "median_bounds"
                                : on_medians    ? "medians"
                                                : "realizations");
        e.constant = -1;
        e.lack_of_fit_p = NAN;
        /* points with y <= 1 cannot enter log(y - 1): counted in n_skipped */
        int64_t usable = 0;
        double *ux = rc_calloc((size_t)m + 1, sizeof(double), "fit points", err);
        if (!ux) return RC_ERR_NOMEM;
        for (int64_t i = 0; i < m; ++i)
            if (y[i] > 0) ux[usable++] = x[i];
        const int64_t d = rc_count_distinct(ux, usable);
        free(ux);
        if (d < 3) continue;
        if (rc_fit_power_law(x, y, m, &e.fit, &e.n_skipped, err) != RC_OK) continue;
        RC_TRY(fits_push(out, &e, err));
    }
    return RC_OK;
}

/* Fits of one family (rows with family_of[i] == f), in the order of the kind's summary_fits. */
static rc_status family_fits(const kind_table *t, const int64_t *family_of, int64_t f,
                             int64_t family_row, fit_list *out, rc_error *err)
{
    const int64_t n = t->n_rows;
    rc_status st = RC_OK;
    double *x = rc_calloc((size_t)(2 * n + 2), sizeof(double), "fit points", err);
    double *y = x ? x + n + 1 : NULL;
    if (!x) return RC_ERR_NOMEM;
    for (int j = 0; j < t->kind->n_summary_fits && st == RC_OK; ++j) {
        const rc_summary_fit *sf = &t->kind->summary_fits[j];
        st = sf->model == RC_SUMMARY_FIT_LINEAR
                 ? linear_fit(t, family_of, f, family_row, sf, x, y, out, err)
                 : critical_power_law_fits(t, family_of, f, family_row, sf, x, y, out, err);
    }
    free(x);
    return st;
}

rc_status rc_summ_kind_fits(const kind_table *t, fit_list *out, rc_error *err)
{
    if (t->N_col < 0 || t->n_rows == 0) return RC_OK;
    if (!t->kind->summary_fits || t->kind->n_summary_fits == 0) return RC_OK;
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
        while (f < nf && !rc_summ_rows_equal(t, first[f], i, 1)) ++f;
        if (f == nf) first[nf++] = i;
        family_of[i] = f;
    }
    for (int64_t f = 0; f < nf && st == RC_OK; ++f)
        st = family_fits(t, family_of, f, first[f], out, err);
    free(family_of);
    free(first);
    return st;
}
