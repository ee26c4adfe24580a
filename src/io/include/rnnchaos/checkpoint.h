/* Checkpoint files of a running task: the engine's state at the end of an accumulated interval
 * (lyap.h, rc_lyap_state) in one serial HDF5 file per task, written by the rank that runs the
 * task, with a fingerprint that ties it to one task of one job and one program version.  A
 * resumed task continues from it and ends bit for bit as if never interrupted (on the same
 * machine and BLAS). */
#ifndef RNNCHAOS_CHECKPOINT_H
#define RNNCHAOS_CHECKPOINT_H

#include "rnnchaos/error.h"
#include "rnnchaos/state.h"

/* Writes PATH.tmp and renames it to PATH, so a file at PATH is always complete. */
rc_status rc_checkpoint_write(const char *path, const char *fingerprint, const rc_lyap_state *st,
                              rc_error *err);

/* Reads PATH into *st (its arrays allocated here: rc_checkpoint_state_free).  RC_ERR_INPUT when
 * the file cannot be read or was written for another fingerprint. */
rc_status rc_checkpoint_read(const char *path, const char *fingerprint, rc_lyap_state *st,
                             rc_error *err);

void rc_checkpoint_state_free(rc_lyap_state *st);

#endif
