/* The rate network of docs/model.md section 1 behind the model interface (lyap_model.h). */
#include "rnnchaos/lyap_model.h"

#include <stdlib.h>
#include <string.h>

static rc_status rate_workspace_init(void *self, int64_t ncols, rc_tangent_ws *ws, rc_error *err)
{
    const rc_rate_model *r = self;
    return rc_tangent_ws_init(ws, r->net->N, ncols, r->net->p.phi, err);
}

static void rate_initial_state(void *self, double *x)
{
    const rc_rate_model *r = self;
    rc_model_initial_state(&r->net->p, x);
}

static const double *rate_linearise(void *self, const double *x)
{
    rc_rate_model *r = self;
    rc_network_dphi(r->net, x, r->dphi);
    return r->dphi;
}

static void rate_step(void *self, int64_t s, double *X, int ntraj)
{
    rc_rate_model *r = self;
    rc_model_step(r->net, s, r->drive.value, X, r->net->N, ntraj, r->work);
    rc_drive_advance(&r->drive, &r->net->p, s);
}

static void rate_tangent_step(void *self, int64_t s, double *W, int ntraj, int64_t m,
                              rc_tangent_ws *ws)
{
    rc_rate_model *r = self;
    if (r->reference_kernels)
        rc_tangent_step_ref(r->net, r->dphi, W, ntraj, m);
    else
        rc_tangent_step(r->net, r->dphi, W, ntraj, m, ws);
    rc_network_add_drive_noise(r->net, s, r->drive.value, W, r->net->N, ntraj, r->noise);
    rc_drive_advance(&r->drive, &r->net->p, s);
}

static void rate_observable(void *self, const double *x, double *out)
{
    const rc_rate_model *r = self;
    rc_network_phi(r->net, x, out);
}

void rc_rate_model_free(rc_rate_model *r)
{
    free(r->dphi);
    free(r->noise);
    free(r->work);
    memset(r, 0, sizeof *r);
}

rc_status rc_rate_model_init(rc_rate_model *r, const rc_network *net, const rc_lyap_params *lp,
                             rc_lyap_model *model, rc_error *err)
{
    memset(r, 0, sizeof *r);
    const size_t N = (size_t)net->N;
    r->net = net;
    r->reference_kernels = lp->use_reference_kernels;
    r->dphi = rc_aligned_alloc(N, sizeof(double), "phi'", err);
    r->noise = rc_aligned_alloc(N, sizeof(double), "noise", err);
    r->work = rc_aligned_alloc(N * 3, sizeof(double), "step work", err);
    if (!(r->dphi && r->noise && r->work)) {
        rc_rate_model_free(r);
        return RC_ERR_NOMEM;
    }
    rc_drive_init(&r->drive, &net->p); /* decay and kick; a resumed run takes the stored value */
    *model = (rc_lyap_model){.name = "rate",
                             .self = r,
                             .N = net->N,
                             .dt = net->p.dt,
                             .seed_ons = net->p.seed_ons,
                             .workspace_init = rate_workspace_init,
                             .initial_state = rate_initial_state,
                             .linearise = rate_linearise,
                             .step = rate_step,
                             .tangent_step = rate_tangent_step,
                             .observable = rate_observable,
                             .input_state = &r->drive.value,
                             .rate = net};
    return RC_OK;
}
