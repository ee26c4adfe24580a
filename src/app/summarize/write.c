/* summarize: the archive's /summary group (docs/archive.md), replacing an earlier one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rnnchaos/archive.h"
#include "rnnchaos_version.h"
#include "summarize.h"

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
        } else if (rc_summ_param_is_int(pd)) {
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
                rc_summ_varying_params(f->t, f->family_row, 1, fam + 256 * i, 256);
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
        for (int64_t i = 0; i < n; ++i) sbuf[i] = rc_summ_theory_status(&th->rows[i].row);
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

rc_status rc_summ_write(const char *path, const kind_table *tables, int n_tables,
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
