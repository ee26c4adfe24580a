/* The model options shared by the command line and job files (the generic parsers are
 * parse.h, the Lyapunov run options lyap_options.h).  Keys may be written with '-' or '_'
 * ("sigma-c" == "sigma_c"). */
#ifndef RNNCHAOS_OPTIONS_H
#define RNNCHAOS_OPTIONS_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/model.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/parse.h"

/* Model options of docs/model.md section 1 plus the seeds and input files. */
typedef struct {
    rc_model_params model;
    uint64_t seed;              /* base seed (--seed) */
    int has_seed_override[4];   /* net, ic, ons, noise */
    uint64_t seed_override[4];
    char connectivity[RC_PATH_MAX]; /* "FILE.h5:/DATASET" or "" */
    char h0[RC_PATH_MAX];           /* "FILE.h5:/DATASET" or "" */
} rc_model_config;

void rc_model_config_default(rc_model_config *c);
/* The option table (opts.h; offsets into rc_model_config) behind has_key/set, for `--help`. */
const rc_opt *rc_model_config_options(size_t *n);
/* 1 if key is a model option (then rc_model_config_set parses it). */
int rc_model_config_has_key(const char *key);
rc_status rc_model_config_set(rc_model_config *c, const char *key, const char *value,
                              rc_error *err);
/* Apply the base seed (plus offset, e.g. the realisation index) and the overrides to
 * c->model's four stream seeds. */
void rc_model_config_resolve_seeds(rc_model_config *c, uint64_t seed_offset);

/* Checks a computation's run options once the network size is known (N may come from a file). */
typedef rc_status (*rc_run_validate_fn)(void *ctx, const rc_model_params *mp, int from_file,
                                        rc_error *err);

/* Build the network of a model configuration: drawn from the seeds, or read from
 * --connectivity (N then comes from the file; an explicit, different --N (n_given) is an error),
 * plus the initial state of --h0 if given (*h0 = NULL otherwise; free() it).  validate(ctx, ...)
 * runs before the matrix is drawn or adopted, so bad run options fail before any heavy work. */
rc_status rc_model_config_load(rc_model_config *c, int n_given, rc_run_validate_fn validate,
                               void *ctx, rc_network *net, double **h0, rc_error *err);

#endif
