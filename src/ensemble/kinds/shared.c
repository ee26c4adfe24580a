/* What the task kinds share (kinds.h): the model options of a section and the cancellation
 * checks. */
#include "kinds.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ============================================================================================
 * What every kind shares: the model options of its section.
 * ============================================================================================ */

void rc_job_model_default(rc_model_config *mc, uint64_t seed)
{
    rc_model_config_default(mc);
    mc->seed = seed;
    rc_model_params_default(&mc->model, seed);
}

/* A model key of a task section.  Tasks are scheduled and costed from N before anything is read;
 * an input file would have to be opened on every rank to know it, so files stay with the
 * single-task commands. */
rc_status rc_job_model_set(rc_model_config *mc, const char *command, const char *key,
                           const char *value, rc_error *err)
{
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    RC_CHECK(strcmp(norm, "connectivity") != 0 && strcmp(norm, "h0") != 0, err, RC_ERR_INPUT,
             "not supported in job files (use rnnchaos %s --%s for one network)", command, norm);
    return rc_model_config_set(mc, key, value, err);
}

/* ============================================================================================
 * Shared by the kinds below: a thorough cancellation check for kinds whose module offers no
 * per-step hook (g_crit checks between probes, coherence before it starts).
 * ============================================================================================ */

void rc_task_note(const rc_task_cancel *cancel, const char *fmt, ...)
{
    if (!cancel || !cancel->note) return;
    char msg[2 * RC_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cancel->note(cancel->note_ctx, msg);
}

int rc_task_cancel_now(const rc_task_cancel *cancel)
{
    if (!cancel) return 0;
    if (cancel->requested_now) return cancel->requested_now(cancel->ctx);
    return cancel->requested ? cancel->requested(cancel->ctx) : 0;
}

/* A stop signal must not wait for a task that may run for hours: the poll runs before every
 * step (rate-limited inside requested()). */
int rc_kind_lyap_cancel_poll(void *ctx, int phase)
{
    rc_kind_lyap_cancel *c = ctx;
    if (!c->cancel->requested(c->cancel->ctx)) return 0;
    if (c->checkpoints && phase == 2) {
        c->stop_seen = 1;
        return 0;
    }
    return 1;
}

void rc_kind_lyap_for_task(rc_lyap_params *lp)
{
    lp->h0 = NULL;
    lp->observer = NULL;
    lp->observer_ctx = NULL;
    lp->on_interval = NULL;
    lp->on_interval_ctx = NULL;
    lp->use_reference_kernels = 0;
}
