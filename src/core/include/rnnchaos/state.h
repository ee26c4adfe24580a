/* Named arrays of doubles: the state a running computation hands out at a checkpoint and
 * takes back on resume (checkpoint.h stores them). */
#ifndef RNNCHAOS_STATE_H
#define RNNCHAOS_STATE_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/stats.h"

/* A run's state at the end of an accumulated interval, as named arrays of doubles (integers
 * are exact in them): what the remaining intervals need, and nothing of the run's parameters.
 * The engine's own buffers back the arrays it hands out; checkpoint.h stores and loads them. */
#define RC_LYAP_STATE_MAX_FIELDS 20
typedef struct {
    char name[24];
    double *data;
    int64_t count;
} rc_lyap_state_field;

typedef struct rc_lyap_state {
    int n_fields;
    rc_lyap_state_field field[RC_LYAP_STATE_MAX_FIELDS];
} rc_lyap_state;

/* The field called name, or NULL. */
const rc_lyap_state_field *rc_lyap_state_find(const rc_lyap_state *st, const char *name);
/* Appends a field (st must have room: RC_LYAP_STATE_MAX_FIELDS). */
void rc_lyap_state_add(rc_lyap_state *st, const char *name, double *data, int64_t count);
/* The field called name with exactly count values (RC_ERR_INPUT naming it otherwise). */
rc_status rc_lyap_state_get(const rc_lyap_state *st, const char *name, int64_t count,
                            const double **data, rc_error *err);
/* Copies the field called name (exactly count values; 0 copies nothing) to dst. */
rc_status rc_lyap_state_copy(const rc_lyap_state *st, const char *name, int64_t count, double *dst,
                             rc_error *err);
/* The running covariance v (which: 0 of h, 1 of phi(h); v->cov NULL: not accumulated) as five
 * fields; counts[2] is the caller's storage for its sample count and batch fill (-1: not
 * accumulated).  _load puts them back into a v set up the same way. */
void rc_lyap_state_add_cov(rc_lyap_state *st, int which, const rc_cov *v, double counts[2]);
rc_status rc_lyap_state_load_cov(const rc_lyap_state *st, int which, rc_cov *v, rc_error *err);

#endif
