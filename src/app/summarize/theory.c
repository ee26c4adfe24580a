/* summarize: the N -> infinity references of the groups of kinds with summary_theory (job.h),
 * the mean-field lambda_1 and Delta_0 (dmft.h) and the random-matrix spectrum below the
 * transition (rmt.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/rmt.h"
#include "rnnchaos/stats.h"
#include "summarize.h"

void rc_summ_theory_free(theory_table *th)
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

rc_status rc_summ_build_theory(const kind_table *t, theory_table *th, rc_error *err)
{
    memset(th, 0, sizeof *th);
    if (!t->kind->summary_theory || t->n_groups == 0) return RC_OK;
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
        qsort(gs, (size_t)n, sizeof *gs, rc_cmp_double_asc);
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
    if (st != RC_OK) rc_summ_theory_free(th);
    return st;
}

const char *rc_summ_theory_status(const rc_dmft_row *r)
{
    return r->status == RC_OK ? "ok" : rc_status_name(r->status);
}
