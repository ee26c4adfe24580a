#include "rnnchaos/gcrit.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/fit.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/parse.h"
#include "rnnchaos/steps.h"
#include "rnnchaos/timer.h"

void rc_gcrit_params_default(rc_gcrit_params *gp)
{
    memset(gp, 0, sizeof *gp);
    gp->g_lo = 0.5;
    gp->g_hi = 8.0;
    gp->g_tol = 0.01;
    gp->eps = 0.005;
    gp->t_min = 200.0;
    gp->t_max = 3200.0;
    gp->growth = 2.0;
    gp->n_scan = 8;
    gp->scan_always = 0;
    gp->max_probes = 60;
}

rc_status rc_gcrit_params_validate(const rc_gcrit_params *gp, rc_error *err)
{
    RC_CHECK(isfinite(gp->g_lo) && gp->g_lo >= 0, err, RC_ERR_INPUT,
             "--g-lo: must be >= 0, got %g", gp->g_lo);
    RC_CHECK(isfinite(gp->g_hi) && gp->g_hi > gp->g_lo, err, RC_ERR_INPUT,
             "--g-hi: must be > g_lo (= %g), got %g", gp->g_lo, gp->g_hi);
    RC_CHECK(isfinite(gp->g_tol) && gp->g_tol > 0 && gp->g_tol < gp->g_hi - gp->g_lo, err,
             RC_ERR_INPUT, "--g-tol: must be > 0 and < g_hi - g_lo (= %g), got %g",
             gp->g_hi - gp->g_lo, gp->g_tol);
    RC_CHECK(isfinite(gp->eps) && gp->eps > 0, err, RC_ERR_INPUT,
             "--eps: must be > 0 (a limit cycle has lambda_1 = 0), got %g", gp->eps);
    RC_CHECK(isfinite(gp->t_min) && gp->t_min > 0, err, RC_ERR_INPUT,
             "--t-min: must be > 0, got %g", gp->t_min);
    RC_CHECK(isfinite(gp->t_max) && gp->t_max >= gp->t_min, err, RC_ERR_INPUT,
             "--t-max: must be >= t_min (= %g), got %g", gp->t_min, gp->t_max);
    RC_CHECK(isfinite(gp->growth) && gp->growth >= 1.1 && gp->growth <= 100, err, RC_ERR_INPUT,
             "--growth: must be between 1.1 and 100, got %g", gp->growth);
    RC_CHECK(gp->n_scan >= 1 && gp->n_scan <= 1000, err, RC_ERR_INPUT,
             "--n-scan: must be between 1 and 1000, got %d", gp->n_scan);
    RC_CHECK(gp->max_probes >= gp->n_scan + 3 && gp->max_probes <= 100000, err, RC_ERR_INPUT,
             "--max-probes: must be at least n_scan + 3 (= %d), got %d", gp->n_scan + 3,
             gp->max_probes);
    return RC_OK;
}

const char *rc_gcrit_status_name(rc_gcrit_status st)
{
    switch (st) {
    case RC_GCRIT_DECIDED: return "decided";
    case RC_GCRIT_UNDECIDED: return "undecided";
    case RC_GCRIT_NO_CROSSING: return "no-crossing";
    case RC_GCRIT_MULTIPLE: return "multiple-crossings";
    }
    return "?";
}

static rc_probe_class classify(double lo, double hi, double eps)
{
    if (lo > eps) return RC_PROBE_CHAOTIC; /* NaN compares false: undecided */
    if (hi < eps) return RC_PROBE_REGULAR;
    return RC_PROBE_UNDECIDED;
}

static int64_t intervals_in(double t, double t_ons) { return (int64_t)floor(t / t_ons + 1e-9); }

/* Sequential stopping of a probe: the local exponents of lambda_1 are collected as the engine
 * produces them; at each checkpoint (t_min, growth t_min, ..., t_max) the batch-means CI decides
 * chaotic / regular, and the engine stops there.  The probe is then exactly the run
 * `rnnchaos spectrum --n-le 1 --t-sim <t_sim>` with the same seeds would give. */
typedef struct {
    const rc_gcrit_params *gp;
    double t_ons, t_check;
    double *loc;
    rc_gcrit_probe *probe;
} probe_monitor;

static int probe_checkpoint(void *ctx, int64_t k, const double *local, int64_t m)
{
    probe_monitor *pm = ctx;
    pm->loc[k] = local[0];
    const int64_t n = k + 1;
    if (n < intervals_in(pm->t_check, pm->t_ons)) return 0;
    double mean, lo, hi;
    rc_batch_means_ci(pm->loc, n, RC_GCRIT_BATCHES, &mean, &lo, &hi);
    rc_gcrit_probe *probe = pm->probe;
    probe->lambda_max = mean;
    probe->ci = (rc_ci){lo, hi};
    probe->t_sim = (double)n * pm->t_ons;
    probe->chaotic = classify(lo, hi, pm->gp->eps);
    probe->n_chunks++;
    pm->t_check = fmin(pm->t_check * pm->gp->growth, pm->gp->t_max);
    return probe->chaotic != RC_PROBE_UNDECIDED;
}

rc_status rc_gcrit_probe_run(const rc_network *net, const rc_lyap_params *lp_in,
                             const rc_gcrit_params *gp, rc_gcrit_probe *probe, rc_error *err)
{
    const double t0 = rc_wall_seconds();
    rc_lyap_params lp = *lp_in;
    /* lambda_1 only: with one tangent column and one trajectory the engine's step is a single
     * two-column GEMM over J (tanh), so J is read once per step. */
    lp.n_le = 1;
    lp.finite_perturbation = 0;
    lp.pca = 0;
    lp.lyapvec_pr = 0;
    lp.n_trace = 0;
    lp.n_boot = 0; /* the probe decides on batch means, not on the engine's bootstrap */
    /* lp.observer passes through: a caller may poll (cancellation, scheduler service) */
    RC_CHECK(gp->t_min >= 20.0 * lp.t_ons, err, RC_ERR_INPUT,
             "--t-min: must be at least 20 t_ons (= %g) so that batch means exist, got %g",
             20.0 * lp.t_ons, gp->t_min);
    memset(probe, 0, sizeof *probe);
    probe->g = net->p.g;
    probe->chaotic = RC_PROBE_UNDECIDED;
    probe->lambda_max = probe->ci.lo = probe->ci.hi = NAN;
    const int64_t n_max = intervals_in(gp->t_max, lp.t_ons);
    probe_monitor pm = {gp, lp.t_ons, gp->t_min, NULL, probe};
    pm.loc = rc_calloc((size_t)n_max, sizeof(double), "local exponents", err);
    if (!pm.loc) return RC_ERR_NOMEM;
    lp.t_sim = gp->t_max;
    lp.on_interval = probe_checkpoint;
    lp.on_interval_ctx = &pm;
    rc_lyap_result r;
    rc_status st = rc_lyap_run(net, &lp, &r, err);
    if (st != RC_OK) {
        rc_error_prefix(err, "g_crit probe at g = %g", net->p.g);
    } else {
        probe->t_total = lp.t_transient + lp.t_ons_transient + r.t_accumulated;
        rc_lyap_result_free(&r);
    }
    probe->wall_s = rc_wall_seconds() - t0;
    free(pm.loc);
    return st;
}

void rc_gcrit_result_free(rc_gcrit_result *res)
{
    if (!res) return;
    free(res->probes);
    free(res->crossings);
    free(res->crossing_up);
    memset(res, 0, sizeof *res);
}

/* State of one search: the probes so far and what builds the networks. */
typedef struct {
    const rc_model_params *mp;
    const rc_lyap_params *lp;
    const rc_gcrit_params *gp;
    rc_gcrit_network_fn build;
    void *build_ctx;
    rc_gcrit_result *res;
    int *order; /* scratch: indices of decided probes sorted by g */
} search;

static rc_status default_build(void *ctx, const rc_model_params *p, rc_network *net,
                               rc_error *err)
{
    return rc_network_create(net, p, err);
}

static rc_status probe_at(search *s, double g, rc_probe_stage stage, rc_error *err)
{
    rc_gcrit_result *res = s->res;
    if (res->n_probes >= s->gp->max_probes) {
        res->max_probes_reached = 1;
        return RC_OK;
    }
    rc_model_params p = *s->mp;
    p.g = g;
    rc_network net;
    RC_TRY(s->build(s->build_ctx, &p, &net, err));
    RC_CHECK(net.N == s->mp->N, err, RC_ERR_INTERNAL, "g_crit: the network family changed N");
    rc_gcrit_probe *pr = &res->probes[res->n_probes];
    rc_status st = rc_gcrit_probe_run(&net, s->lp, s->gp, pr, err);
    rc_network_free(&net);
    RC_TRY(st);
    pr->g = g; /* a custom family may leave net.p.g alone */
    pr->stage = stage;
    res->n_probes++;
    return RC_OK;
}

static int probed(const search *s, double g)
{
    for (int k = 0; k < s->res->n_probes; ++k)
        if (fabs(s->res->probes[k].g - g) <= 1e-12 * fmax(1.0, fabs(g))) return 1;
    return 0;
}

static rc_status scan_grid(search *s, rc_error *err)
{
    const rc_gcrit_params *gp = s->gp;
    for (int k = 1; k <= gp->n_scan; ++k) {
        double g = gp->g_lo + (gp->g_hi - gp->g_lo) * (double)k / (double)(gp->n_scan + 1);
        if (!probed(s, g)) RC_TRY(probe_at(s, g, RC_STAGE_SCAN, err));
    }
    return RC_OK;
}

/* Insertion sort of probe indices by g: a few dozen entries, and no global context for qsort. */
static void sort_by_g(const rc_gcrit_probe *probes, int *idx, int n)
{
    for (int k = 1; k < n; ++k) {
        int v = idx[k], j = k - 1;
        while (j >= 0 && probes[idx[j]].g > probes[v].g) {
            idx[j + 1] = idx[j];
            --j;
        }
        idx[j + 1] = v;
    }
}

/* Class changes between neighbouring decided probes, sorted by g, into res->crossings.
 * Returns the number of decided probes. */
static int find_crossings(search *s)
{
    rc_gcrit_result *res = s->res;
    int nd = 0;
    for (int k = 0; k < res->n_probes; ++k)
        if (res->probes[k].chaotic != RC_PROBE_UNDECIDED) s->order[nd++] = k;
    sort_by_g(res->probes, s->order, nd);
    res->n_crossings = 0;
    for (int k = 1; k < nd; ++k) {
        const rc_gcrit_probe *a = &res->probes[s->order[k - 1]], *b = &res->probes[s->order[k]];
        if (a->chaotic == b->chaotic) continue;
        res->crossings[2 * res->n_crossings] = a->g;
        res->crossings[2 * res->n_crossings + 1] = b->g;
        res->crossing_up[res->n_crossings] = b->chaotic == RC_PROBE_CHAOTIC;
        res->n_crossings++;
    }
    return nd;
}

static int any_undecided(const search *s, double lo, double hi)
{
    for (int k = 0; k < s->res->n_probes; ++k) {
        const rc_gcrit_probe *p = &s->res->probes[k];
        if (p->chaotic == RC_PROBE_UNDECIDED && p->g > lo && p->g < hi) return 1;
    }
    return 0;
}

/* Bisection of [lo, hi] (lo regular, hi chaotic).  An undecided probe says only that lambda_1
 * is within statistical reach of eps there; the crossing may lie on either side, so the next
 * probe goes into the wider of the two gaps between the bracket ends and the undecided zone,
 * and the search gives up (undecided) once both gaps are below g_tol/4 while the bracket is
 * still wider than g_tol. */
static rc_status bisect(search *s, double lo, double hi, rc_error *err)
{
    const rc_gcrit_params *gp = s->gp;
    rc_gcrit_result *res = s->res;
    while (hi - lo > gp->g_tol) {
        if (res->n_probes >= gp->max_probes) {
            res->max_probes_reached = 1;
            break;
        }
        double u_min = INFINITY, u_max = -INFINITY;
        for (int k = 0; k < res->n_probes; ++k) {
            const rc_gcrit_probe *p = &res->probes[k];
            if (p->chaotic != RC_PROBE_UNDECIDED || !(p->g > lo && p->g < hi)) continue;
            u_min = fmin(u_min, p->g);
            u_max = fmax(u_max, p->g);
        }
        double g;
        if (u_min > u_max) {
            g = 0.5 * (lo + hi);
        } else {
            const double gap_lo = u_min - lo, gap_hi = hi - u_max;
            if (fmax(gap_lo, gap_hi) <= 0.25 * gp->g_tol) break;
            g = gap_lo >= gap_hi ? 0.5 * (lo + u_min) : 0.5 * (u_max + hi);
        }
        RC_TRY(probe_at(s, g, RC_STAGE_BISECT, err));
        const rc_gcrit_probe *p = &res->probes[res->n_probes - 1];
        if (p->chaotic == RC_PROBE_CHAOTIC) hi = g;
        if (p->chaotic == RC_PROBE_REGULAR) lo = g;
    }
    res->bracket_lo = lo;
    res->bracket_hi = hi;
    if (hi - lo <= gp->g_tol) {
        res->status = RC_GCRIT_DECIDED;
        res->g_crit = 0.5 * (lo + hi);
    } else {
        res->status = RC_GCRIT_UNDECIDED;
    }
    return RC_OK;
}

/* No class change among the decided probes: one-sided bracket, and "no crossing" only when no
 * undecided probe could hide one. */
static void conclude_one_sided(search *s, int n_decided)
{
    rc_gcrit_result *res = s->res;
    if (n_decided == 0) {
        res->status = RC_GCRIT_UNDECIDED;
        return;
    }
    const rc_gcrit_probe *first = &res->probes[s->order[0]];
    const rc_gcrit_probe *last = &res->probes[s->order[n_decided - 1]];
    int hidden;
    if (first->chaotic == RC_PROBE_REGULAR) {
        res->bracket_lo = last->g; /* the crossing, if any, is above every probe */
        hidden = any_undecided(s, last->g, INFINITY);
    } else {
        res->bracket_hi = first->g;
        hidden = any_undecided(s, -INFINITY, first->g);
    }
    res->status = hidden ? RC_GCRIT_UNDECIDED : RC_GCRIT_NO_CROSSING;
}

rc_status rc_gcrit_run(const rc_model_params *mp, const rc_lyap_params *lp,
                       const rc_gcrit_params *gp, rc_gcrit_network_fn build, void *build_ctx,
                       rc_gcrit_result *res, rc_error *err)
{
    const double t_start = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    RC_TRY(rc_gcrit_params_validate(gp, err));
    rc_model_params p0 = *mp;
    p0.g = gp->g_lo;
    RC_TRY(rc_lyap_params_validate(lp, &p0, err));
    /* the longest probe runs t_max */
    RC_TRY(rc_check_steps(gp->t_max, "--t-max", mp->dt, mp->tau, err));
    rc_status st = RC_OK;
    search s = {mp, lp, gp, build ? build : default_build, build_ctx, res, NULL};
    res->g_crit = res->bracket_lo = res->bracket_hi = NAN;
    res->probes = rc_calloc((size_t)gp->max_probes, sizeof(rc_gcrit_probe), "g_crit probes", err);
    res->crossings = rc_calloc((size_t)gp->max_probes * 2, sizeof(double), "crossings", err);
    res->crossing_up = rc_calloc((size_t)gp->max_probes, sizeof(int), "crossing directions", err);
    s.order = rc_calloc((size_t)gp->max_probes, sizeof(int), "probe order", err);
    RC_ALLOC_GOTO(res->probes && res->crossings && res->crossing_up && s.order);

    RC_GOTO(probe_at(&s, gp->g_lo, RC_STAGE_END, err));
    RC_GOTO(probe_at(&s, gp->g_hi, RC_STAGE_END, err));
    int scanned = 0;
    if (gp->scan_always) {
        RC_GOTO(scan_grid(&s, err));
        scanned = 1;
    }
    for (;;) {
        int nd = find_crossings(&s);
        if (res->n_crossings == 1 && res->crossing_up[0]) {
            RC_GOTO(bisect(&s, res->crossings[0], res->crossings[1], err));
            break;
        }
        if (res->n_crossings >= 1) {
            /* Two or more changes, or chaos below and regular above: lambda_1(g) is not
             * monotone here (at g = 0, lambda_1 = log(1 - dt/tau)/dt < 0 for any network). */
            res->status = RC_GCRIT_MULTIPLE;
            break;
        }
        if (!scanned) {
            RC_GOTO(scan_grid(&s, err));
            scanned = 1;
            continue;
        }
        conclude_one_sided(&s, nd);
        break;
    }
    find_crossings(&s); /* the final list, bisection probes included */
    res->wall_s = rc_wall_seconds() - t_start;

cleanup:
    free(s.order);
    if (st != RC_OK) rc_gcrit_result_free(res);
    return st;
}

/* ---- options shared by `rnnchaos gcrit` and [gcrit] job sections -------------------------- */

#define GOPT(name, type, field, doc) {name, type, offsetof(rc_gcrit_params, field), 0, 100000, NULL, doc}
static const rc_opt gcrit_opts[] = {
    GOPT("g-lo", RC_OPT_DOUBLE, g_lo, "lower end of the g range searched"),
    GOPT("g-hi", RC_OPT_DOUBLE, g_hi, "upper end of the g range searched"),
    GOPT("g-tol", RC_OPT_DOUBLE, g_tol, "width of the final bracket of g_crit"),
    GOPT("eps", RC_OPT_DOUBLE, eps, "lambda_1 threshold deciding chaotic (1/tau)"),
    GOPT("t-min", RC_OPT_DOUBLE, t_min, "shortest accumulation of a probe (tau)"),
    GOPT("t-max", RC_OPT_DOUBLE, t_max, "longest accumulation of a probe (tau)"),
    GOPT("growth", RC_OPT_DOUBLE, growth, "factor between a probe's decision points"),
    GOPT("n-scan", RC_OPT_INT, n_scan, "probes of the initial scan"),
    GOPT("scan-always", RC_OPT_BOOL, scan_always, "scan even when the ends bracket g_crit"),
    GOPT("max-probes", RC_OPT_INT, max_probes, "most probes of one search"),
};

const rc_opt *rc_gcrit_params_options(size_t *n)
{
    *n = RC_OPT_COUNT(gcrit_opts);
    return gcrit_opts;
}

int rc_gcrit_params_has_key(const char *key)
{
    return rc_opt_find(gcrit_opts, RC_OPT_COUNT(gcrit_opts), key) != NULL;
}

rc_status rc_gcrit_params_set(rc_gcrit_params *gp, const char *key, const char *value,
                              rc_error *err)
{
    const rc_opt *o = rc_opt_find(gcrit_opts, RC_OPT_COUNT(gcrit_opts), key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown g_crit option '%s'", key);
    return rc_opt_set(o, gp, value, err);
}
