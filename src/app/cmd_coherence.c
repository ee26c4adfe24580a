/* rnnchaos coherence: signal transmission of the common input through the balanced network
 * (docs/model.md section 4): C(f), R_lb, tau_eff. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/coherence.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/job.h"
#include "rnnchaos/memcheck.h"
#include "rnnchaos/options.h"

static void print_help(FILE *f)
{
    fputs("usage: rnnchaos coherence [model options] [--t-seg T] [--t-sim T] [run options] [--json]\n"
          "\n"
          "Coherence between the input s(t) = I0 + Ic(t) and the population rate nu(t), the\n"
          "information-rate lower bound R_lb = -int_0^f_max log2(1 - C(f)) df [bits/tau], and the\n"
          "relaxation time tau_eff of the population mean after a step in I0, with tau/(1 + b J0 p).\n"
          "Example: rnnchaos coherence --phi relu --b 4 --I0 1 --sigma-c 0.1 --dt 0.01\n",
          f);
    rc_cli_print_model_options(f, "Model options [default] (--sigma-c must be > 0 here):", NULL);
    fputs("  relu needs b*J0 > 0 and I0 > 0 (otherwise unbounded: refused); a run that diverges\n"
          "  anyway (balance too weak for g) fails with exit code 1.\n",
          f);
    rc_coherence_params cp;
    rc_coherence_params_default(&cp);
    size_t n;
    const rc_opt *t = rc_coherence_params_options(&n);
    rc_cli_print_options(f, "Run options [default]:", t, n, &cp, NULL);
    fputs("  (Welch segments: Hann, 50% overlap; --f-max 0: 1/(2 dt); --step-trials 0: no tau_eff)\n"
          "tau_eff protocol: each trial copies the state twice, adds +dI and -dI to I0 of the copies\n"
          "(same frozen noise and input), averages (m+ - m-)/(2 dI) over trials and fits\n"
          "A1 (1 - exp(-t/tau1)) + A2 (1 - exp(-t/tau2)), tau2 >= 2 tau1 (the slow part: the\n"
          "distribution of h readjusting); tau_eff is the component carrying the initial slope\n"
          "b dI/tau.  Errors: jackknife over 20 groups of trials (this network only).  The\n"
          "Euler map's own prediction -dt/ln(1 - (dt/tau)(1 + b J0 p)) is printed too: when it\n"
          "differs from tau/(1 + b J0 p), lower --dt.\n"
          "Output: a short summary, or with --json one JSON object on stdout.\n",
          f);
}

typedef struct {
    rc_model_config mc;
    rc_coherence_params cp;
    rc_cli_common cli;
} coherence_args;

static rc_status coherence_set(void *target, const char *key, const char *value, rc_error *err)
{
    return rc_coherence_params_set(target, key, value, err);
}

static rc_status parse_args(int argc, char **argv, coherence_args *a, rc_error *err)
{
    rc_model_config_default(&a->mc);
    rc_coherence_params_default(&a->cp);
    const rc_cli_group groups[] = {rc_cli_model_group(&a->mc),
                                   {rc_coherence_params_has_key, coherence_set, &a->cp}};
    RC_TRY(rc_cli_parse(argc, argv, "coherence", NULL, NULL, groups, 2, &a->cli, err));
    rc_model_config_resolve_seeds(&a->mc, 0);
    return RC_OK;
}

/* Everything is checked before the network is drawn: bad input, and a run that cannot fit
 * (the coherence kind's estimate, as run and --dry-run use), cost nothing. */
static rc_status validate_coherence(void *ctx, const rc_model_params *mp, int from_file,
                                    rc_error *err)
{
    coherence_args *a = ctx;
    RC_TRY(rc_coherence_params_validate(&a->cp, mp, from_file, err));
    const rc_coherence_task task = {.model = *mp, .coherence = a->cp};
    return rc_cli_check_memory(mp->N, rc_cli_kind_bytes("coherence", &task), 0.0, "lower N",
                               err);
}

static json_t *coherence_json(const rc_network *net, const rc_coherence_params *cp,
                              const rc_coherence_result *r)
{
    const rc_model_params *p = &net->p;
    const rc_welch *w = &r->spec;
    json_t *o = json_object();
    json_object_set_new(o, "N", json_integer(net->N));
    json_object_set_new(o, "g", net->external ? json_null() : json_real(p->g));
    json_object_set_new(o, "b", json_real(p->b));
    json_object_set_new(o, "J0", json_real(p->J0));
    json_object_set_new(o, "I0", json_real(p->I0));
    json_object_set_new(o, "sigma", json_real(p->sigma));
    json_object_set_new(o, "sigma_c", json_real(p->sigma_c));
    json_object_set_new(o, "tau_s", json_real(p->tau_s));
    json_object_set_new(o, "tau", json_real(p->tau));
    json_object_set_new(o, "dt", json_real(p->dt));
    json_object_set_new(o, "phi", json_string(rc_phi_name(p->phi)));
    json_object_set_new(o, "t_sim", json_real(cp->t_sim));
    json_object_set_new(o, "t_seg", json_real(cp->t_seg));
    json_object_set_new(o, "n_segments", json_integer(w->n_segments));
    json_object_set_new(o, "n_eff", rc_json_number(w->n_eff));
    json_object_set_new(o, "f", rc_json_array(w->f, w->n_freq));
    json_object_set_new(o, "coherence", rc_json_array(w->coherence, w->n_freq));
    json_object_set_new(o, "S_ss", rc_json_array(w->S_xx, w->n_freq));
    json_object_set_new(o, "S_nunu", rc_json_array(w->S_yy, w->n_freq));
    json_object_set_new(o, "S_snu_re", rc_json_array(w->S_xy_re, w->n_freq));
    json_object_set_new(o, "S_snu_im", rc_json_array(w->S_xy_im, w->n_freq));
    json_object_set_new(o, "f_max", rc_json_number(r->f_max));
    json_object_set_new(o, "info_rate_lb", rc_json_number(r->info_rate_lb));
    json_object_set_new(o, "info_rate_lb_bias", rc_json_number(r->info_rate_lb_bias));
    json_object_set_new(o, "info_rate_lb_debiased",
                        rc_json_number(r->info_rate_lb - r->info_rate_lb_bias));
    json_object_set_new(o, "tau_eff", rc_json_number(r->tau_eff));
    json_object_set_new(o, "tau_eff_err", rc_json_number(r->tau_eff_err));
    json_object_set_new(o, "tau_eff_theory", rc_json_number(r->tau_eff_theory));
    json_object_set_new(o, "tau_eff_theory_dt", rc_json_number(r->tau_eff_theory_dt));
    json_object_set_new(o, "step_gain", rc_json_number(r->step_gain));
    json_object_set_new(o, "step_gain_err", rc_json_number(r->step_gain_err));
    json_object_set_new(o, "step_gain_theory", rc_json_number(r->step_gain_theory));
    json_object_set_new(o, "tau_2", rc_json_number(r->tau_2));
    json_object_set_new(o, "tau_2_err", rc_json_number(r->tau_2_err));
    json_object_set_new(o, "gain_2", rc_json_number(r->gain_2));
    json_object_set_new(o, "gain_2_err", rc_json_number(r->gain_2_err));
    json_object_set_new(o, "fit_rms", rc_json_number(r->fit_rms));
    json_object_set_new(o, "tau_eff_note", r->tau_eff_note[0] ? json_string(r->tau_eff_note)
                                                              : json_null());
    json_object_set_new(o, "step_size", json_real(cp->step_size));
    json_object_set_new(o, "step_trials", json_integer(r->n_trials));
    json_object_set_new(o, "t_step", json_real(cp->t_step));
    json_object_set_new(o, "step_response", rc_json_array(r->response, r->n_response));
    json_object_set_new(o, "active_fraction", rc_json_number(r->active_fraction));
    json_object_set_new(o, "active_fraction_std", rc_json_number(r->active_fraction_std));
    json_object_set_new(o, "rate_mean", rc_json_number(r->rate_mean));
    json_object_set_new(o, "rate_std", rc_json_number(r->rate_std));
    json_object_set_new(o, "input_mean", rc_json_number(r->input_mean));
    json_object_set_new(o, "seeds", json_pack("{s:I,s:I,s:I,s:I}", "net",
                                              (json_int_t)p->seed_net, "ic",
                                              (json_int_t)p->seed_ic, "ons",
                                              (json_int_t)p->seed_ons, "noise",
                                              (json_int_t)p->seed_noise));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

static void coherence_summary(const rc_network *net, const rc_coherence_params *cp,
                              const rc_coherence_result *r)
{
    const rc_model_params *p = &net->p;
    const rc_welch *w = &r->spec;
    printf("Coherence: N = %lld, %s, g = %g, b = %g, J0 = %g, I0 = %g, sigma_c = %g, tau_s = %g, "
           "dt = %g\n", (long long)net->N, rc_phi_name(p->phi), p->g, p->b, p->J0, p->I0,
           p->sigma_c, p->tau_s, p->dt);
    printf("  Welch: t_sim = %g, t_seg = %g, %lld segments (%.1f effective), df = %g\n",
           cp->t_sim, cp->t_seg, (long long)w->n_segments, w->n_eff, w->df);
    printf("  %-30s %12.6g  (std %.3g; balanced limit <s>/J0 = %.6g)\n", "rate nu, mean",
           r->rate_mean, r->rate_std, r->input_mean / p->J0);
    printf("  %-30s %12.6g  (+-%.3g over time)\n", "active fraction p", r->active_fraction,
           r->active_fraction_std);
    printf("  %-30s %12.6g  (f_max = %g; of which estimator bias %.3g)\n", "R_lb [bits/tau]",
           r->info_rate_lb, r->f_max, r->info_rate_lb_bias);
    printf("  %-30s %12.6g\n", "R_lb minus bias", r->info_rate_lb - r->info_rate_lb_bias);
    const int64_t marks[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    printf("  C(f):");
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; ++i)
        if (marks[i] < w->n_freq)
            printf(" C(%.3g)=%.3f", w->f[marks[i]], w->coherence[marks[i]]);
    printf("\n");
    int64_t n_high = 0;
    for (int64_t k = 1; k < w->n_freq; ++k) n_high += w->coherence[k] > 0.99;
    if (n_high > (w->n_freq - 1) / 2)
        printf("  note: C > 0.99 in most bins: without chaos or --sigma the rate is a noiseless\n"
               "  filter of s, and R_lb only measures the resolution of the estimate\n");
    if (r->n_trials > 0) {
        printf("  %-30s %12.6g  +- %.3g (jackknife, %lld trials)\n", "tau_eff (measured)",
               r->tau_eff, r->tau_eff_err, (long long)r->n_trials);
        printf("  %-30s %12.6g\n", "tau/(1 + b J0 p)", r->tau_eff_theory);
        printf("  %-30s %12.6g\n", "Euler map, same linearisation", r->tau_eff_theory_dt);
        printf("  %-30s %12.6g  +- %.3g (theory b/(1 + b J0 p) = %.6g)\n", "balance gain dm/dI",
               r->step_gain, r->step_gain_err, r->step_gain_theory);
        printf("  %-30s %12.6g  +- %.3g (gain %.4g +- %.3g)\n", "second component tau",
               r->tau_2, r->tau_2_err, r->gain_2, r->gain_2_err);
        if (r->tau_eff_note[0]) printf("  note: %s\n", r->tau_eff_note);
        if (isfinite(r->tau_eff_theory) &&
            !(fabs(r->tau_eff_theory_dt / r->tau_eff_theory - 1) < 0.05))
            printf("  note: dt = %g does not resolve tau_eff (Euler prediction differs by more "
                   "than 5%%): lower --dt\n", p->dt);
    }
    printf("  %-30s %12.3f s\n", "wall time", r->wall_s);
}

int rc_cmd_coherence(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    coherence_args a;
    const rc_status parsed = parse_args(argc, argv, &a, &err);
    const int end = rc_cli_parsed_on_ranks(MPI_COMM_NULL, "coherence", parsed, a.cli.help,
                                           print_help, &err);
    if (end >= 0) return end;
    rc_network net;
    double *h0 = NULL;
    if (rc_model_config_load(&a.mc, a.cli.n_given, validate_coherence, &a, &net, &h0, &err) != RC_OK)
        return rc_cli_report("coherence", &err);
    a.cp.h0 = h0;
    rc_coherence_result res;
    rc_status st = rc_coherence_run(&net, &a.cp, &res, &err);
    int code = 0;
    if (st != RC_OK) {
        code = rc_cli_report("coherence", &err);
    } else if (a.cli.json) {
        code = rc_json_emit(coherence_json(&net, &a.cp, &res));
    } else {
        coherence_summary(&net, &a.cp, &res);
    }
    if (st == RC_OK) rc_coherence_result_free(&res);
    rc_network_free(&net);
    free(h0);
    return code;
}
