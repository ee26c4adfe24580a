/* Step counts of the time integration (issue 18): every duration t of a simulation phase is
 * turned into round(t / dt) steps, and that count must be representable and finite in practice.
 * llround of a quotient beyond 2^63 returns LLONG_MIN (zero steps, a run that "succeeds" with
 * nonsense), and 1e13 steps run for ever.  The ceiling RC_MAX_STEPS (docs/user-guide.md,
 * "Step counts"): 1e11 steps of one phase, far above any study (1e6 tau at dt = 0.01 is 1e8
 * steps) and far below 2^53, so every count and every time k dt is exact in a double. */
#ifndef RNNCHAOS_STEPS_H
#define RNNCHAOS_STEPS_H

#include "rnnchaos/error.h"

#define RC_MAX_STEPS 1e11

/* RC_ERR_INPUT unless t / dt <= RC_MAX_STEPS (t >= 0 and dt > 0 finite, checked by the caller).
 * The message starts with the option to change, as the job parser expects ("--OPTION: ..."):
 * "--dt" when dt < 1e-6 tau (a step far below any time scale of the network), else t_opt. */
rc_status rc_check_steps(double t, const char *t_opt, double dt, double tau, rc_error *err);

#endif
