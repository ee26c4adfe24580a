/* The Lyapunov engine's run options by name (command line and job files). */
#ifndef RNNCHAOS_LYAP_OPTIONS_H
#define RNNCHAOS_LYAP_OPTIONS_H

#include "rnnchaos/error.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/parse.h"

/* Run options of the Lyapunov engine (t_sim, t_ons, t_transient, t_ons_transient, n_le, ...). */
/* The option table (opts.h; offsets into rc_lyap_params) behind has_key/set, for `--help`. */
const rc_opt *rc_lyap_params_options(size_t *n);
int rc_lyap_params_has_key(const char *key);
rc_status rc_lyap_params_set(rc_lyap_params *lp, const char *key, const char *value,
                             rc_error *err);

#endif
