/* Step-count ceiling (steps.h). */
#include "rnnchaos/steps.h"

rc_status rc_check_steps(double t, const char *t_opt, double dt, double tau, rc_error *err)
{
    const double steps = t / dt;
    if (steps <= RC_MAX_STEPS) return RC_OK;
    if (dt < 1e-6 * tau)
        return rc_fail(err, RC_ERR_INPUT,
                       "--dt: %g turns %s = %g into %.3g steps, more than the %.0e allowed "
                       "(docs/user-guide.md, step counts)", dt, t_opt, t, steps, RC_MAX_STEPS);
    return rc_fail(err, RC_ERR_INPUT,
                   "%s: %g is %.3g steps of dt = %g, more than the %.0e allowed "
                   "(docs/user-guide.md, step counts)", t_opt, t, steps, dt, RC_MAX_STEPS);
}
