/* The model-independent part of a spectrum run's report (cmd_spectrum.c for rate networks,
 * cmd_spectrum_model.c for the other models of model_kind.h): the same JSON keys and summary
 * rows for every model. */
#ifndef RC_APP_SPECTRUM_REPORT_H
#define RC_APP_SPECTRUM_REPORT_H

#include <jansson.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/model_kind.h"

/* Adds the result's keys (n_le, t_sim, lambda, lambda_max, ..., ci95, bootstrap, precision,
 * reorth, lyapvec_participation, pca_dim_h/phi, convergence) to o. */
void rc_spectrum_result_json(json_t *o, const rc_lyap_params *lp, const rc_lyap_result *r);
/* The rows of the summary table, from the quantity header to the wall time; mean_reference:
 * the mean exponent a random-matrix argument predicts (NaN: none shown). */
void rc_spectrum_result_print(const rc_lyap_result *r, double mean_reference);

/* The rate network's four stream seeds as {"net", "ic", "ons", "noise"}. */
json_t *rc_rate_seeds_json(const rc_model_params *p);

/* rnnchaos spectrum --model NAME for a model other than the rate network. */
int rc_cmd_spectrum_model(const rc_model_kind *mk, int argc, char **argv);

#endif
