/* summarize: each kind's table - its parameters, groups (tasks that share every parameter but
 * the seeds, in the job's order) and the statistics per group (fit.h: rc_summarize) of every
 * quantity its descriptor names (rc_task_kind.summary). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/archive.h"
#include "summarize.h"

static int is_seed(const char *name) { return strncmp(name, "seed_", 5) == 0; }

void rc_summ_table_free(kind_table *t)
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
int rc_summ_param_equal(const param_data *p, int64_t a, int64_t b)
{
    if (p->str) return strcmp(p->str + (size_t)a * p->width, p->str + (size_t)b * p->width) == 0;
    const double x = p->num[a], y = p->num[b];
    return x == y || (isnan(x) && isnan(y));
}

/* Same group; with family != 0, N is ignored, and n_le too where it equals N ("all"). */
int rc_summ_rows_equal(const kind_table *t, int64_t a, int64_t b, int family)
{
    for (int p = 0; p < t->n_params; ++p) {
        if (family && p == t->N_col) continue;
        if (family && p == t->nle_col && t->N_col >= 0) {
            const double *N = t->params[t->N_col].num, *m = t->params[p].num;
            if (m[a] == N[a] && m[b] == N[b]) continue;
        }
        if (!rc_summ_param_equal(&t->params[p], a, b)) return 0;
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

rc_status rc_summ_load_kind(const char *path, const rc_task_kind *kind, kind_table *t,
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
        while (g < t->n_groups && !rc_summ_rows_equal(t, t->first_row[g], i, 0)) ++g;
        if (g == t->n_groups) t->first_row[t->n_groups++] = i;
        t->group[i] = g;
        t->n_tasks[g]++;
        t->n_done[g] += t->status[i] == RC_TASK_DONE;
        t->n_failed[g] += t->status[i] == RC_TASK_FAILED;
        t->n_pending[g] += t->status[i] == RC_TASK_PENDING;
    }
    /* quantities */
    t->q = kind->summary;
    t->n_q = kind->summary ? kind->n_summary : 0;
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
    if (st != RC_OK) rc_summ_table_free(t);
    return st;
}

int rc_summ_param_is_int(const param_data *p)
{
    return p->col->type == RC_COL_I64 || p->col->type == RC_COL_INT || p->col->type == RC_COL_U64;
}

/* "N=100 g=2" for the parameters that vary among the groups of the kind (N left out when
 * skip_N); "" when nothing varies. */
void rc_summ_varying_params(const kind_table *t, int64_t row, int skip_N, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int p = 0; p < t->n_params; ++p) {
        if (skip_N && (p == t->N_col || p == t->nle_col)) continue;
        int varies = 0;
        for (int64_t g = 1; g < t->n_groups && !varies; ++g)
            varies = !rc_summ_param_equal(&t->params[p], t->first_row[0], t->first_row[g]);
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
