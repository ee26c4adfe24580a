/* rnnchaos coherence (docs/model.md section 4): the run options, their validation and the
 * network measurement; the spectra are in coherence_spectra.c, the relaxation fits behind
 * tau_eff in coherence_relax.c. */
#include "rnnchaos/coherence.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/opts.h"
#include "rnnchaos/parse.h"
#include "rnnchaos/steps.h"
#include "rnnchaos/timer.h"

/* ---- run options --------------------------------------------------------------------------- */

#define COPT(name, type, field, doc) {name, type, offsetof(rc_coherence_params, field), 0, 0, NULL, doc}
static const rc_opt coh_opts[] = {
    COPT("t-seg", RC_OPT_DOUBLE, t_seg, "Welch segment length (tau)"),
    COPT("t-sim", RC_OPT_DOUBLE, t_sim, "recorded time (tau)"),
    COPT("t-transient", RC_OPT_DOUBLE, t_transient, "relaxation before recording (tau)"),
    COPT("f-max", RC_OPT_DOUBLE, f_max, "highest frequency of the information rate (0: Nyquist)"),
    COPT("step-size", RC_OPT_DOUBLE, step_size, "size of the step in I0 for tau_eff"),
    COPT("step-trials", RC_OPT_INT64, step_trials, "repetitions of the step response"),
    COPT("t-step", RC_OPT_DOUBLE, t_step, "recorded time after each step (tau)"),
};

const rc_opt *rc_coherence_params_options(size_t *n)
{
    *n = RC_OPT_COUNT(coh_opts);
    return coh_opts;
}

void rc_coherence_params_default(rc_coherence_params *cp)
{
    memset(cp, 0, sizeof *cp);
    cp->t_seg = 50;
    cp->t_sim = 1000;
    cp->t_transient = 100;
    cp->f_max = 0;
    cp->step_size = 0.01;
    cp->step_trials = 200;
    cp->t_step = 5;
    cp->h0 = NULL;
}

int rc_coherence_params_has_key(const char *key)
{
    return rc_opt_find(coh_opts, RC_OPT_COUNT(coh_opts), key) != NULL;
}

rc_status rc_coherence_params_set(rc_coherence_params *cp, const char *key, const char *value,
                                  rc_error *err)
{
    const rc_opt *o = rc_opt_find(coh_opts, RC_OPT_COUNT(coh_opts), key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown coherence option '%s'", key);
    return rc_opt_set(o, cp, value, err);
}

/* Whole number of steps in t (relative tolerance 1e-9), or -1. */
static int64_t whole_steps(double t, double dt)
{
    const double r = t / dt;
    const int64_t n = llround(r);
    return fabs(r - (double)n) <= 1e-9 * fmax(1.0, r) ? n : -1;
}

rc_status rc_coherence_params_validate(const rc_coherence_params *cp, const rc_model_params *mp,
                                       int external, rc_error *err)
{
    RC_TRY(rc_model_params_validate(mp, err));
    const double dt = mp->dt;
    RC_CHECK(mp->sigma_c > 0, err, RC_ERR_INPUT,
             "--sigma-c: the common input is the signal whose transmission is measured; "
             "it must be > 0, got %g", mp->sigma_c);
    /* E/I blocks carry their own means (J0 unused): their balance is the user's choice */
    if (mp->phi == RC_PHI_RELU && !external && mp->structure == RC_STRUCTURE_DENSE) {
        RC_CHECK(mp->b > 0, err, RC_ERR_INPUT,
                 "--b: relu networks are bounded only with balance b*J0 > 0 and drive I0 > 0 "
                 "(docs/model.md section 1); got b = %g", mp->b);
        RC_CHECK(mp->J0 > 0, err, RC_ERR_INPUT,
                 "--J0: relu networks are bounded only with balance b*J0 > 0 and drive I0 > 0 "
                 "(docs/model.md section 1); got J0 = %g", mp->J0);
        RC_CHECK(mp->I0 > 0, err, RC_ERR_INPUT,
                 "--I0: relu networks need a positive drive I0 to have active units in the "
                 "balanced state; got %g", mp->I0);
    }
    RC_CHECK(isfinite(cp->t_seg) && cp->t_seg > 0, err, RC_ERR_INPUT,
             "--t-seg: must be > 0, got %g", cp->t_seg);
    RC_TRY(rc_check_steps(cp->t_seg, "--t-seg", dt, mp->tau, err));
    const int64_t L = whole_steps(cp->t_seg, dt);
    RC_CHECK(L >= 4 && L % 2 == 0, err, RC_ERR_INPUT,
             "--t-seg: must be an even number (>= 4) of steps dt = %g, got %g", dt, cp->t_seg);
    RC_CHECK(L <= (int64_t)1 << 30, err, RC_ERR_INPUT, "--t-seg: %g is too many steps", cp->t_seg);
    RC_CHECK(isfinite(cp->t_sim) && cp->t_sim > 0, err, RC_ERR_INPUT,
             "--t-sim: must be > 0, got %g", cp->t_sim);
    RC_TRY(rc_check_steps(cp->t_sim, "--t-sim", dt, mp->tau, err));
    const int64_t n = llround(cp->t_sim / dt);
    const int64_t K = n >= L ? (n - L) / (L / 2) + 1 : 0;
    RC_CHECK(K >= 4, err, RC_ERR_INPUT,
             "--t-seg: t_sim = %g holds %lld Welch segments of length %g (need >= 4): lower "
             "--t-seg or raise --t-sim", cp->t_sim, (long long)K, cp->t_seg);
    RC_CHECK(isfinite(cp->t_transient) && cp->t_transient >= 0, err, RC_ERR_INPUT,
             "--t-transient: must be >= 0, got %g", cp->t_transient);
    RC_TRY(rc_check_steps(cp->t_transient, "--t-transient", dt, mp->tau, err));
    const double f_nyq = 0.5 / dt;
    RC_CHECK(isfinite(cp->f_max) && cp->f_max >= 0 && cp->f_max <= f_nyq * (1 + 1e-12), err,
             RC_ERR_INPUT, "--f-max: must lie in [0, 1/(2 dt) = %g] (0: up to 1/(2 dt)), got %g",
             f_nyq, cp->f_max);
    RC_CHECK(isfinite(cp->step_size) && cp->step_size > 0, err, RC_ERR_INPUT,
             "--step-size: must be > 0, got %g", cp->step_size);
    RC_CHECK(cp->step_trials == 0 || (cp->step_trials >= 2 && cp->step_trials <= 100000000), err,
             RC_ERR_INPUT, "--step-trials: must be 0 (no tau_eff) or 2..1e8, got %lld",
             (long long)cp->step_trials);
    RC_CHECK(isfinite(cp->t_step) && cp->t_step >= 4 * dt, err, RC_ERR_INPUT,
             "--t-step: must be >= 4 dt = %g, got %g", 4 * dt, cp->t_step);
    RC_TRY(rc_check_steps(cp->t_step, "--t-step", dt, mp->tau, err));
    return RC_OK;
}

/* ---- the network measurement --------------------------------------------------------------- */

void rc_coherence_result_free(rc_coherence_result *res)
{
    if (!res) return;
    rc_welch_free(&res->spec);
    free(res->response);
    res->response = NULL;
}

typedef struct {
    const rc_network *net;
    const rc_model_params *p;
    const rc_coherence_params *cp;
    rc_drive drive;
    int64_t step;
    int64_t N;
    double *H;    /* N x 3, column-major: the trajectory and its two stepped copies */
    double *Jc;   /* column-major J for the active-column step (classic relu), or NULL */
    double *work; /* rc_model_step workspace, 3N + N */
    double *buf;  /* N */
} sim;

static double col_mean(const double *h, int64_t N)
{
    double s = 0;
    for (int64_t i = 0; i < N; ++i) s += h[i];
    return s / (double)N;
}

/* One step of ntraj columns; columns 1 and 2 additionally get +dI and -dI on the drive (added
 * after the common step: the Euler update is linear in the drive). */
static rc_status sim_step(sim *S, int ntraj, double dI, rc_error *err)
{
    RC_CHECK(!S->cp->poll || !S->cp->poll(S->cp->poll_ctx), err, RC_ERR_SIGNAL,
             "cancelled by a stop request");
    if (S->Jc)
        rc_model_step_active(S->net, S->Jc, S->step, S->drive.value, S->H, S->N, ntraj, S->work);
    else
        rc_model_step(S->net, S->step, S->drive.value, S->H, S->N, ntraj, S->work);
    if (ntraj == 3) {
        /* the drive enters unit i with dt/tau_i (rc_network_add_drive_noise) */
        const double kick = (S->p->dt / S->p->tau) * S->p->b * dI;
        const double *rate = S->net->het ? S->net->rate_i : NULL;
        double *hp = S->H + S->N, *hm = S->H + 2 * S->N;
        for (int64_t i = 0; i < S->N; ++i) {
            const double k = rate ? rate[i] * S->p->b * dI : kick;
            hp[i] += k;
            hm[i] -= k;
        }
    }
    rc_drive_advance(&S->drive, S->p, S->step);
    S->step++;
    if (!rc_state_is_sane(S->H, (size_t)(S->N * ntraj))) {
        char why[160];
        if (S->p->structure == RC_STRUCTURE_EI)
            snprintf(why, sizeof why, "for relu E/I networks inhibition does not balance "
                     "excitation (raise --w-EI-mean, --w-II-mean or --c-EI, or lower --w-EE-mean)");
        else
            snprintf(why, sizeof why, "for relu the balance b*J0 = %g is too weak for g = %g (or "
                     "dt too large for the mean mode)", S->p->b * S->p->J0, S->p->g);
        return rc_fail(err, RC_ERR_NUMERIC, "trajectory diverged (non-finite or |h| > 1e12) at "
                       "t = %g: %s", (double)S->step * S->p->dt, why);
    }
    return RC_OK;
}

/* Fit of the trial-averaged response, excluding group skip (skip < 0: none). */
static rc_status fit_groups(const double *gsum, const int64_t *gcount, int64_t G, int64_t skip,
                            int64_t nr, const double *t, double *avg, double tau_hi,
                            const rc_relax_fit2 *start, rc_relax_fit2 *fit, rc_error *err)
{
    int64_t cnt = 0;
    for (int64_t k = 0; k < nr; ++k) avg[k] = 0;
    for (int64_t g = 0; g < G; ++g) {
        if (g == skip) continue;
        cnt += gcount[g];
        for (int64_t k = 0; k < nr; ++k) avg[k] += gsum[g * nr + k];
    }
    for (int64_t k = 0; k < nr; ++k) avg[k] /= (double)cnt;
    return rc_fit_relaxation2(t, avg, nr, 0.25 * (t[1] - t[0]), tau_hi, start, fit, err);
}

/* The balance relaxation is the component that carries the initial slope of the response (the
 * step acts on the mean directly, dm/dt(0+) = b dI / tau; the readjustment of the distribution
 * of h is driven by it and starts flat).  Usually that is the faster one; when the second
 * component is tiny the fit may spend it on a fast wiggle, and the slope rule still picks the
 * right one.  v = {tau_eff, gain, tau_2, gain_2}. */
static void balance_component(const rc_relax_fit2 *f, double v[4])
{
    const int fast = fabs(f->amp_fast / f->tau_fast) >= fabs(f->amp_slow / f->tau_slow);
    v[0] = fast ? f->tau_fast : f->tau_slow;
    v[1] = fast ? f->amp_fast : f->amp_slow;
    v[2] = fast ? f->tau_slow : f->tau_fast;
    v[3] = fast ? f->amp_slow : f->amp_fast;
}

rc_status rc_coherence_run(const rc_network *net, const rc_coherence_params *cp,
                           rc_coherence_result *res, rc_error *err)
{
    const double t0 = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    const rc_model_params *p = &net->p;
    RC_TRY(rc_coherence_params_validate(cp, p, net->external, err));
    const int64_t N = net->N;
    const double dt = p->dt;
    const int64_t n_trans = llround(cp->t_transient / dt);
    const int64_t n_rec = llround(cp->t_sim / dt);
    const int64_t L = llround(cp->t_seg / dt);
    const int64_t n_win = llround(cp->t_step / dt);
    const int64_t nr = n_win + 1;
    const int64_t T = cp->step_trials;
    const int64_t G = T < 20 ? T : 20;

    rc_status st = RC_OK;
    sim S = {.net = net, .p = p, .cp = cp, .step = 0, .N = N};
    double *s = NULL, *nu = NULL, *gsum = NULL, *tt = NULL, *avg = NULL, *jk = NULL;
    int64_t *gcount = NULL;
    S.H = rc_aligned_alloc((size_t)N * 3, sizeof(double), "coherence state", err);
    S.work = rc_aligned_alloc((size_t)N * 4, sizeof(double), "coherence step work", err);
    S.buf = rc_aligned_alloc((size_t)N, sizeof(double), "coherence buffer", err);
    s = rc_calloc((size_t)n_rec, sizeof(double), "input series s(t)", err);
    nu = rc_calloc((size_t)n_rec, sizeof(double), "rate series nu(t)", err);
    RC_CHECK_GOTO(S.H && S.work && S.buf && s && nu, err, RC_ERR_NOMEM,
                  "out of memory for the coherence run (N = %lld, %lld samples)", (long long)N,
                  (long long)n_rec);
    /* relu: only the active columns of J enter each step (about half of them in the balanced
     * state), read from a column-major copy */
    if (p->phi == RC_PHI_RELU && !net->het) RC_GOTO(rc_network_columns(net, &S.Jc, err));
    if (T > 0) {
        gsum = rc_calloc((size_t)(G * nr), sizeof(double), "step responses", err);
        gcount = rc_calloc((size_t)G, sizeof(int64_t), "step responses", err);
        tt = rc_calloc((size_t)nr, sizeof(double), "step responses", err);
        avg = rc_calloc((size_t)nr, sizeof(double), "step responses", err);
        jk = rc_calloc((size_t)(4 * G), sizeof(double), "jackknife", err);
        res->response = rc_calloc((size_t)nr, sizeof(double), "step response", err);
        RC_CHECK_GOTO(gsum && gcount && tt && avg && jk && res->response, err, RC_ERR_NOMEM,
                      "out of memory for the step responses");
    }

    if (cp->h0)
        memcpy(S.H, cp->h0, (size_t)N * sizeof(double));
    else
        rc_model_initial_state(p, S.H);
    rc_drive_init(&S.drive, p);

    /* 1. transient */
    for (int64_t k = 0; k < n_trans; ++k) RC_GOTO(sim_step(&S, 1, 0, err));

    /* 2. record s and nu (the only stored series); p and nu moments on the fly */
    double sum_nu = 0, sum_nu2 = 0, sum_p = 0, sum_p2 = 0, sum_s = 0;
    for (int64_t k = 0; k < n_rec; ++k) {
        rc_network_phi(net, S.H, S.buf);
        const double nuk = col_mean(S.buf, N);
        rc_network_dphi(net, S.H, S.buf);
        const double pk = col_mean(S.buf, N);
        s[k] = p->I0 + S.drive.value;
        nu[k] = nuk;
        sum_nu += nuk;
        sum_nu2 += nuk * nuk;
        sum_p += pk;
        sum_p2 += pk * pk;
        sum_s += s[k];
        RC_GOTO(sim_step(&S, 1, 0, err));
    }
    const double nrec = (double)n_rec;
    res->rate_mean = sum_nu / nrec;
    res->rate_std = sqrt(fmax(0.0, sum_nu2 / nrec - res->rate_mean * res->rate_mean));
    res->active_fraction = sum_p / nrec;
    res->active_fraction_std =
        sqrt(fmax(0.0, sum_p2 / nrec - res->active_fraction * res->active_fraction));
    res->input_mean = sum_s / nrec;

    /* 3. step trials: twins with +dI and -dI, the central difference cancels the even orders */
    res->tau_eff = res->tau_eff_err = res->step_gain = res->step_gain_err = res->fit_rms = NAN;
    res->tau_2 = res->tau_2_err = res->gain_2 = res->gain_2_err = NAN;
    res->n_trials = T;
    res->n_groups = G;
    res->n_response = T > 0 ? nr : 0;
    const double dI = cp->step_size;
    for (int64_t trial = 0; trial < T; ++trial) {
        const int64_t g = trial * G / T; /* groups of consecutive trials */
        memcpy(S.H + N, S.H, (size_t)N * sizeof(double));
        memcpy(S.H + 2 * N, S.H, (size_t)N * sizeof(double));
        double *row = gsum + g * nr;
        for (int64_t k = 1; k <= n_win; ++k) {
            RC_GOTO(sim_step(&S, 3, dI, err));
            row[k] += (col_mean(S.H + N, N) - col_mean(S.H + 2 * N, N)) / (2.0 * dI);
        }
        gcount[g]++;
    }
    if (T > 0) {
        for (int64_t k = 0; k < nr; ++k) tt[k] = (double)k * dt;
        rc_relax_fit2 fit, jfit;
        rc_error fit_err;
        const double tau_hi = 10.0 * cp->t_step;
        /* A response without a resolvable relaxation leaves tau_eff undetermined (NaN and a
         * note) rather than failing the spectra, which are valid regardless. */
        st = fit_groups(gsum, gcount, G, -1, nr, tt, res->response, tau_hi, NULL, &fit, &fit_err);
        if (st == RC_ERR_NUMERIC) {
            snprintf(res->tau_eff_note, sizeof res->tau_eff_note, "%.200s", fit_err.msg);
            st = RC_OK;
        } else {
            RC_CHECK_GOTO(st == RC_OK, err, st, "%s", fit_err.msg);
            double v0[4];
            balance_component(&fit, v0);
            res->tau_eff = v0[0];
            res->step_gain = v0[1];
            res->tau_2 = v0[2];
            res->gain_2 = v0[3];
            res->fit_rms = fit.rms;
            /* Delete-one-group jackknife: groups of consecutive trials carry their correlation;
             * each refit starts from the full fit so it stays on the same branch. */
            double *jv = jk, mean[4] = {0, 0, 0, 0}, var[4] = {0, 0, 0, 0};
            int ok = 1;
            for (int64_t gg = 0; gg < G; ++gg) {
                st = fit_groups(gsum, gcount, G, gg, nr, tt, avg, tau_hi, &fit, &jfit, &fit_err);
                if (st == RC_ERR_NUMERIC) {
                    ok = 0;
                    st = RC_OK;
                    snprintf(res->tau_eff_note, sizeof res->tau_eff_note, "jackknife: %.200s",
                             fit_err.msg);
                    break;
                }
                RC_CHECK_GOTO(st == RC_OK, err, st, "%s", fit_err.msg);
                double v[4];
                balance_component(&jfit, v);
                for (int q = 0; q < 4; ++q) {
                    jv[4 * gg + q] = v[q];
                    mean[q] += v[q] / (double)G;
                }
            }
            if (ok) {
                for (int64_t gg = 0; gg < G; ++gg)
                    for (int q = 0; q < 4; ++q)
                        var[q] += (jv[4 * gg + q] - mean[q]) * (jv[4 * gg + q] - mean[q]);
                const double f = (double)(G - 1) / (double)G;
                res->tau_eff_err = sqrt(f * var[0]);
                res->step_gain_err = sqrt(f * var[1]);
                res->tau_2_err = sqrt(f * var[2]);
                res->gain_2_err = sqrt(f * var[3]);
            }
        }
    }

    /* theory: linearised mean mode, tau dm/dt = -m - b J0 nu + b s with d nu / dm = p */
    /* (the dense model's mean mode: no such one-line theory for E/I blocks or per-unit tau_i) */
    const int mean_mode = !net->external && rc_model_is_classic(p);
    const double bJp = p->b * p->J0 * res->active_fraction;
    res->tau_eff_theory = mean_mode ? p->tau / (1.0 + bJp) : NAN;
    res->step_gain_theory = mean_mode ? p->b / (1.0 + bJp) : NAN;
    const double r = 1.0 - (dt / p->tau) * (1.0 + bJp);
    res->tau_eff_theory_dt = (mean_mode && r > 0) ? -dt / log(r) : NAN;

    /* 4. spectra */
    RC_GOTO(rc_welch_run(s, nu, n_rec, L, dt, &res->spec, err));
    res->f_max = cp->f_max > 0 ? cp->f_max : 0.5 / dt;
    res->info_rate_lb = rc_info_rate_lb(res->spec.coherence, res->spec.n_freq, res->spec.df,
                                        res->f_max);
    res->info_rate_lb_bias = rc_info_rate_lb_bias(res->spec.n_eff, res->f_max);
    res->wall_s = rc_wall_seconds() - t0;

cleanup:
    free(S.H);
    free(S.Jc);
    free(S.work);
    free(S.buf);
    free(s);
    free(nu);
    free(gsum);
    free(gcount);
    free(tt);
    free(avg);
    free(jk);
    if (st != RC_OK) rc_coherence_result_free(res);
    return st;
}
