/* Row stores for out-of-core work: n_rows rows of row_len doubles, written once in any order and
 * read back in any order (the backward pass of covariant Lyapunov vectors reads the forward
 * pass's R factors in reverse).  In memory when they fit the caller's budget, else in a serial
 * HDF5 scratch file chunked by rows, removed when the store is closed.  One process; no MPI. */
#ifndef RNNCHAOS_SCRATCH_H
#define RNNCHAOS_SCRATCH_H

#include <stdint.h>

#include "rnnchaos/error.h"

typedef struct {
    int64_t n_rows, row_len;
    double *mem;     /* in memory: n_rows x row_len; NULL when on disk */
    int64_t file;    /* hid_t of the scratch file (on disk) */
    int64_t dset;    /* its dataset */
    char path[4096]; /* the scratch file, "" in memory */
} rc_rowstore;

/* The bytes a store of these rows takes, in memory or on disk. */
double rc_rowstore_bytes(int64_t n_rows, int64_t row_len);

/* Opens a store: in memory when rc_rowstore_bytes <= memory_budget, else the scratch file
 * DIR/rnnchaos-scratch-PID-SERIAL.h5 (dir: "" for the current directory).  RC_ERR_IO names the
 * file when it cannot be created. */
rc_status rc_rowstore_open(rc_rowstore *s, int64_t n_rows, int64_t row_len, double memory_budget,
                           const char *dir, rc_error *err);
rc_status rc_rowstore_put(rc_rowstore *s, int64_t row, const double *x, rc_error *err);
rc_status rc_rowstore_get(rc_rowstore *s, int64_t row, double *x, rc_error *err);
/* Frees the memory or closes and removes the scratch file. */
void rc_rowstore_close(rc_rowstore *s);

#endif
