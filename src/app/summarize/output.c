/* summarize: the output on stdout, a table or one JSON object. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rnnchaos/cli.h"
#include "summarize.h"

static json_t *param_json(const param_data *p, int64_t row)
{
    if (p->str) return json_string(p->str + (size_t)row * p->width);
    if (rc_summ_param_is_int(p) && isfinite(p->num[row])) return json_integer((json_int_t)p->num[row]);
    return rc_json_number(p->num[row]);
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
        json_object_set_new(o, "status", json_string(rc_summ_theory_status(&r->row)));
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

json_t *rc_summ_json(const char *path, const kind_table *tables, int n_tables,
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

void rc_summ_print_tables(const char *path, const kind_table *tables, int n_tables,
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
                varies = !rc_summ_param_equal(&t->params[p], t->first_row[0], t->first_row[g]);
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
                rc_summ_varying_params(t, t->first_row[g], 0, desc, sizeof desc);
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
        rc_summ_varying_params(f->t, f->family_row, 1, fam, sizeof fam);
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

void rc_summ_print_theory(const theory_table *th)
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
               r->row.status == RC_OK ? "" : "  ", r->row.status == RC_OK ? "" : rc_summ_theory_status(&r->row));
    }
    int64_t n_spec = 0;
    for (int64_t i = 0; i < th->n_rmt; ++i) n_spec += th->rmt[i].has_spectrum;
    if (th->n_rmt)
        printf("Random-matrix references: mean exponent log(1 - dt)/dt for %lld tanh groups, "
               "subcritical spectra (g < 1) for %lld\n", (long long)th->n_rmt, (long long)n_spec);
}
