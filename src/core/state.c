#include "rnnchaos/state.h"

#include <stdio.h>
#include <string.h>

const rc_lyap_state_field *rc_lyap_state_find(const rc_lyap_state *st, const char *name)
{
    for (int i = 0; st && i < st->n_fields; ++i)
        if (strcmp(st->field[i].name, name) == 0) return &st->field[i];
    return NULL;
}

void rc_lyap_state_add(rc_lyap_state *st, const char *name, double *data, int64_t count)
{
    rc_lyap_state_field *f = &st->field[st->n_fields++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->data = data;
    f->count = count;
}

static const char *const cov_field_names[2][5] = {
    {"cov_h_meta", "cov_h_shift", "cov_h_sum", "cov_h_cov", "cov_h_batch"},
    {"cov_phi_meta", "cov_phi_shift", "cov_phi_sum", "cov_phi_cov", "cov_phi_batch"}};

void rc_lyap_state_add_cov(rc_lyap_state *st, int which, const rc_cov *v, double counts[2])
{
    const int on = v->cov != NULL;
    counts[0] = on ? (double)v->n : -1.0;
    counts[1] = on ? (double)v->batch_fill : -1.0;
    rc_lyap_state_add(st, cov_field_names[which][0], counts, 2);
    rc_lyap_state_add(st, cov_field_names[which][1], v->shift, on ? v->N : 0);
    rc_lyap_state_add(st, cov_field_names[which][2], v->sum, on ? v->N : 0);
    rc_lyap_state_add(st, cov_field_names[which][3], v->cov, on ? v->N * v->N : 0);
    rc_lyap_state_add(st, cov_field_names[which][4], v->batch, on ? v->N * v->batch_fill : 0);
}

rc_status rc_lyap_state_get(const rc_lyap_state *st, const char *name, int64_t count,
                            const double **data, rc_error *err)
{
    const rc_lyap_state_field *f = rc_lyap_state_find(st, name);
    RC_CHECK(f, err, RC_ERR_INPUT, "checkpoint: no field '%s'", name);
    RC_CHECK(f->count == count, err, RC_ERR_INPUT,
             "checkpoint: field '%s' has %lld values, this run needs %lld", name,
             (long long)f->count, (long long)count);
    *data = f->data;
    return RC_OK;
}

rc_status rc_lyap_state_copy(const rc_lyap_state *st, const char *name, int64_t count, double *dst,
                             rc_error *err)
{
    const double *d;
    RC_TRY(rc_lyap_state_get(st, name, count, &d, err));
    if (count > 0) memcpy(dst, d, sizeof(double) * (size_t)count);
    return RC_OK;
}

rc_status rc_lyap_state_load_cov(const rc_lyap_state *st, int c, rc_cov *v, rc_error *err)
{
    const char *const *names = cov_field_names[c];
    const double *counts;
    RC_TRY(rc_lyap_state_get(st, names[0], 2, &counts, err));
    const int on = v->cov != NULL;
    RC_CHECK((counts[0] >= 0.0) == on, err, RC_ERR_INPUT,
             "checkpoint: PCA was %s in the stored run", on ? "off" : "on");
    if (!on) return RC_OK;
    const int64_t fill = (int64_t)counts[1];
    RC_CHECK(fill >= 0 && fill < v->batch_cap, err, RC_ERR_INPUT, "checkpoint: bad PCA batch");
    v->n = (int64_t)counts[0];
    v->batch_fill = fill;
    RC_TRY(rc_lyap_state_copy(st, names[1], v->N, v->shift, err));
    RC_TRY(rc_lyap_state_copy(st, names[2], v->N, v->sum, err));
    RC_TRY(rc_lyap_state_copy(st, names[3], v->N * v->N, v->cov, err));
    return rc_lyap_state_copy(st, names[4], v->N * fill, v->batch, err);
}
